// messages.cpp — see messages.h. Fixed-size little header (memcpy of plain fields) then
// the error text.
#include "orchestrator/messages.h"

#include <cstring>
#include <stdexcept>

namespace tunegrid {

namespace {

struct ReportHeader {
  std::int64_t job;
  std::int32_t attempt;
  std::int32_t flags;  // 1: ok, 2: shard written, 4: preempted, 8: stopping
  double seconds;
  double dispatch_seconds;
  double one_off_seconds;
  std::int64_t notes_sent;
};

struct ProgressHeader {
  std::int64_t job, step, total;
  double phase_seconds;
};

struct OrderHeader {
  std::int64_t job;
  std::int32_t attempt;
  std::int32_t flags;  // 1: stop, 2: last attempt
  double held_seconds;
};

}  // namespace

std::string encode(const JobProgressNote& note) {
  const ProgressHeader header{note.job, note.step, note.total, note.phase_seconds};
  std::string bytes(sizeof header, '\0');
  std::memcpy(bytes.data(), &header, sizeof header);
  return bytes + note.phase;
}

JobProgressNote decode_progress(const std::string& bytes) {
  if (bytes.size() < sizeof(ProgressHeader)) throw std::runtime_error("malformed progress note from a worker");
  ProgressHeader header;
  std::memcpy(&header, bytes.data(), sizeof header);
  return {header.job, header.step, header.total, header.phase_seconds, bytes.substr(sizeof header)};
}

std::string encode(const JobReport& report) {
  const ReportHeader header{report.job, report.attempt,
                            (report.ok ? 1 : 0) | (report.shard_written ? 2 : 0) | (report.preempted ? 4 : 0) |
                                (report.stopping ? 8 : 0),
                            report.seconds, report.dispatch_seconds, report.one_off_seconds, report.notes_sent};
  std::string bytes(sizeof header, '\0');
  std::memcpy(bytes.data(), &header, sizeof header);
  return bytes + report.error;
}

JobReport decode_report(const std::string& bytes) {
  if (bytes.size() < sizeof(ReportHeader)) throw std::runtime_error("malformed job report from a worker");
  ReportHeader header;
  std::memcpy(&header, bytes.data(), sizeof header);
  JobReport report;
  report.job = header.job;
  report.attempt = header.attempt;
  report.ok = (header.flags & 1) != 0;
  report.shard_written = (header.flags & 2) != 0;
  report.preempted = (header.flags & 4) != 0;
  report.stopping = (header.flags & 8) != 0;
  report.seconds = header.seconds;
  report.dispatch_seconds = header.dispatch_seconds;
  report.one_off_seconds = header.one_off_seconds;
  report.notes_sent = header.notes_sent;
  report.error = bytes.substr(sizeof header);
  return report;
}

std::string encode(const JobOrder& order) {
  const OrderHeader header{order.job, order.attempt, (order.stop ? 1 : 0) | (order.last_attempt ? 2 : 0),
                           order.held_seconds};
  std::string bytes(sizeof header, '\0');
  std::memcpy(bytes.data(), &header, sizeof header);
  return bytes;
}

JobOrder decode_order(const std::string& bytes) {
  if (bytes.size() != sizeof(OrderHeader)) throw std::runtime_error("malformed job order from the scheduler");
  OrderHeader header;
  std::memcpy(&header, bytes.data(), sizeof header);
  JobOrder order;
  order.job = header.job;
  order.attempt = header.attempt;
  order.stop = header.flags & 1;
  order.last_attempt = header.flags & 2;
  order.held_seconds = header.held_seconds;
  return order;
}

}  // namespace tunegrid
