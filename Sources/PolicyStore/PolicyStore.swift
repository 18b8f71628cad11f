// PolicyStore module.
