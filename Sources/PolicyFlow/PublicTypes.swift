import PolicyManifest

// Types of the lower modules that PolicyFlow's callers (the `policyflow` and `policyflow-gen` executables)
// name, though they only pass them through: PolicyFlow makes them part of its own API here, so that a caller
// imports PolicyFlow alone (the rule Tests/PolicyFlowTests/ImportRuleTests.swift keeps). Whatever a caller
// does *with* a lower module's values belongs in a use case in PolicyFlow, not in an alias here.

/// A person in `members.yaml` as the one a command acts as (PolicyManifest's `Member`). Callers get it from
/// `Workspace.actor(explicit:environment:)` and hand it to the use case they run, which checks its roles and
/// capacities; they read only its `id` and `name` to word their output.
///
/// Not named `Member`: inside PolicyFlow that name must stay PolicyManifest's, and `PolicyManifest.Member`
/// cannot be spelt here (the module's struct `PolicyManifest` hides the module's name).
public typealias ActingMember = Member
