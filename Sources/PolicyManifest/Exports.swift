// The manifest API speaks in the workflow's `Capacity` and reports `YAMLError`s, and codes are
// compared with PolicyWorkflow's `normalizedCode`; re-exporting PolicyWorkflow (which re-exports
// PolicyYAML) gives clients one import and a single `normalizedCode`, never two that clash.
@_exported import PolicyWorkflow
