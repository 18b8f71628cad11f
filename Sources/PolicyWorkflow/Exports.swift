// The workflow API reports its problems as `YAMLError`s, so whoever imports PolicyWorkflow needs
// that type too; re-exporting spares every client a second import.
@_exported import PolicyYAML
