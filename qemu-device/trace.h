#include "trace/trace-hw_misc_rowstat.h"
