// The module is header-only (`include/CPortraitPrefetch.h`); SwiftPM needs one source file to build a C target.
#include "CPortraitPrefetch.h"
