// PolicyWorkflow module.
