import Clibgit2
let _libgit2Probe = git_libgit2_init
