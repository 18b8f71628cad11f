// PolicyManifest module.
