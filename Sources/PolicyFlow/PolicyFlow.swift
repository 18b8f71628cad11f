// PolicyFlow module.
