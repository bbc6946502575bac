// safetensors.cpp — see safetensors.h. (Being implemented.)
#include "core/safetensors.h"
