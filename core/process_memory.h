// process_memory.h — the peak resident memory of this process over a stretch of work, as
// Linux reports it: VmHWM in /proc/self/status, reset by writing "5" to
// /proc/self/clear_refs (Linux ≥ 4.0). Jobs run one after another in a worker process, so a
// job resets the mark when it starts and reads it when it ends. Elsewhere (no /proc) both
// are no-ops and the peak reads 0.
#pragma once

namespace tunegrid {

void reset_peak_resident_memory();
double peak_resident_megabytes();  // since the last reset (or process start); 0 if unknown

}  // namespace tunegrid
