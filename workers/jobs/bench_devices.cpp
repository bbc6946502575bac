// bench_devices.cpp — `bench.devices`, the cluster GPU benchmark a user runs on a new
// allocation before a sweep (experiments/bench/cluster-gpu.toml, cluster/bench/cluster_gpu.sh):
// one job over a group of all the ranks (one per GPU), in which every rank measures its own
// device and the group leader writes the per-rank table (core/device_benchmark.h) that
// `tunegrid report` shows per node and GPU with outliers. Per rank:
//   matmul_<dtype>_tflops          best of matmul_repeats n×n products (2n³ flops), per dtype;
//                                  tf32 = float32 with TF32 allowed (CUDA only, skipped elsewhere)
//   matmul_<dtype>_peak_fraction   of the GPU's datasheet peak (gpu_datasheets.h), known GPUs only
//   unet_samples_per_second        training steps of a random-weight UNet (unet_step_timing.h)
//   host_to_device_gbs, device_to_host_gbs   best copy of copy_mb (pinned host memory on a GPU;
//                                  on a CPU, host memory to host memory)
//   allreduce_node_busbw_gbs       all-reduce among the ranks of the node (nodes with 2+ ranks)
//   unet_peak_allocated_mb         (shown, not compared) the device's peak during the UNet steps
// and over the whole group, allreduce_group_busbw_gbs (nccl-tests' busbw, all_reduce_timing.h).
#include <ATen/ATen.h>
#include <fmt/format.h>
#include <mpi.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "core/device_benchmark.h"
#include "core/text.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "core/median.h"
#include "core/stopwatch.h"
#include "workers/jobs/bench_devices_spec.h"
#include "workers/jobs/best_seconds.h"
#include "workers/jobs/gpu_datasheets.h"
#include "workers/jobs/unet_step_timing.h"
#include "workers/methods/mixed_precision.h"
#include "workers/parallel/all_reduce_timing.h"
#include "workers/parallel/communicator.h"
#include "workers/parallel/device_memory.h"
#include "workers/parallel/torch_libraries.h"

namespace tunegrid {

namespace {

const DevicesParams& params() { return declared_params<DevicesParams>(); }

void synchronize(const at::Tensor& tensor) { (void)tensor.flatten()[0].item<double>(); }

void measure_matmul(const Job& job, const at::Device& device, DeviceRow& row) {
  const std::int64_t n = params().matmul_size.of(job);
  for (const std::string& dtype : params().dtypes.of(job)) {
    if (dtype == "tf32" && !device.is_cuda()) continue;  // TF32 is a tensor-core mode
    set_allow_tf32(dtype == "tf32");
    const at::ScalarType type = dtype == "bfloat16" ? at::kBFloat16 : dtype == "float16" ? at::kHalf : at::kFloat;
    at::manual_seed(static_cast<std::uint64_t>(params().seed.of(job)));
    const auto options = at::TensorOptions().dtype(type).device(device);
    const at::Tensor a = at::randn({n, n}, options), b = at::randn({n, n}, options);
    const double seconds = best_seconds(params().warmup.of(job), params().matmul_repeats.of(job),
                                        [&] { synchronize(at::mm(a, b)); });
    const double tflops = 2.0 * static_cast<double>(n) * n * n / seconds / 1e12;
    row.values["matmul_" + dtype + "_tflops"] = tflops;
    if (const auto peak = datasheet_tflops(row.gpu, dtype)) row.values["matmul_" + dtype + "_peak_fraction"] = tflops / *peak;
  }
  set_allow_tf32(false);
}

void measure_unet(const Job& job, const at::Device& device, DeviceRow& row) {
  UNetStepRequest request;
  request.config = bench_unet_config(params().unet_config.of(job), params().unet_config.where(job));
  request.batch = params().unet_batch.of(job);
  request.steps = params().unet_steps.of(job);
  request.warmup = params().warmup.of(job);
  request.autocast = low_precision_type(params().unet_precision.of(job), params().unet_precision.where(job));
  request.seed = static_cast<std::uint64_t>(params().seed.of(job));
  reset_peak_device_memory(device);
  const UNetStepTimes times = time_unet_steps(request, device);
  row.values["unet_samples_per_second"] = static_cast<double>(request.batch) / median(times.step);
  if (const auto peak = peak_device_memory(device)) row.values["unet_peak_allocated_mb"] = peak->allocated_mb;
}

void measure_copies(const Job& job, const at::Device& device, DeviceRow& row) {
  const auto bytes = static_cast<std::int64_t>(params().copy_mb.of(job) * 1e6);
  const auto host_options = at::TensorOptions(at::kByte).pinned_memory(device.is_cuda());
  const at::Tensor host = at::ones({bytes}, host_options), host_back = at::empty({bytes}, host_options);
  const at::Tensor on_device = at::empty({bytes}, at::TensorOptions(at::kByte).device(device));
  const int warmup = params().warmup.of(job), repeats = params().copy_repeats.of(job);
  const double to_device = best_seconds(warmup, repeats, [&] { on_device.copy_(host); synchronize(on_device); });
  const double to_host = best_seconds(warmup, repeats, [&] { host_back.copy_(on_device); });
  row.values["host_to_device_gbs"] = static_cast<double>(bytes) / to_device / 1e9;
  row.values["device_to_host_gbs"] = static_cast<double>(bytes) / to_host / 1e9;
}

// busbw of the job's all-reduce size over `group` (every rank of it calls this).
double allreduce_busbw(Communicator& group, const Job& job) {
  const auto bytes = static_cast<std::int64_t>(params().allreduce_mb.of(job) * 1e6);
  return time_all_reduce(group, bytes, params().allreduce_iterations.of(job), params().warmup.of(job)).busbw_gbs;
}

// All-reduce among the ranks of each node (every rank of the group calls this).
void measure_node_all_reduce(const JobContext& context, DeviceRow& row) {
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(context.group, MPI_COMM_TYPE_SHARED, context.group_rank, MPI_INFO_NULL, &node);
  int size = 1;
  MPI_Comm_size(node, &size);
  if (size > 1) {
    const auto communicator = make_communicator(node, context.device);
    row.values["allreduce_node_busbw_gbs"] = allreduce_busbw(*communicator, context.job);
  }
  MPI_Comm_free(&node);
}

// Every rank's row at the leader (as JSON text: variable length), in rank order.
std::vector<DeviceRow> gather_rows(const JobContext& context, const DeviceRow& mine) {
  const std::string text = nlohmann::json{{"host", mine.host}, {"device", mine.device}, {"gpu", mine.gpu},
                                          {"values", mine.values}}.dump();
  int length = static_cast<int>(text.size());
  std::vector<int> lengths(static_cast<std::size_t>(context.group_size)), offsets(lengths.size());
  MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, context.group);
  int total = 0;
  for (std::size_t r = 0; r < lengths.size(); ++r) offsets[r] = std::exchange(total, total + lengths[r]);
  std::string all(static_cast<std::size_t>(context.group_rank == 0 ? total : 0), '\0');
  MPI_Gatherv(text.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0, context.group);
  std::vector<DeviceRow> rows;
  if (context.group_rank != 0) return rows;
  for (std::size_t r = 0; r < lengths.size(); ++r) {
    const auto row = nlohmann::json::parse(all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(lengths[r])));
    rows.push_back({static_cast<int>(r), row.at("host"), row.at("device"), row.at("gpu"),
                    row.at("values").get<std::map<std::string, double>>()});
  }
  return rows;
}

// The table's columns in measurement order (matrix products by dtype, UNet, copies, all-reduce); peak memory
// shown apart, not compared.
void name_columns(DeviceBenchmark& table) {
  std::vector<std::string> order;
  for (const char* dtype : {"float32", "tf32", "bfloat16", "float16"})
    for (const char* what : {"_tflops", "_peak_fraction"}) order.push_back(std::string("matmul_") + dtype + what);
  for (const char* column : {"unet_samples_per_second", "host_to_device_gbs", "device_to_host_gbs",
                             "allreduce_node_busbw_gbs", "unet_peak_allocated_mb"})
    order.push_back(column);
  for (const std::string& column : order) {
    const bool measured = std::any_of(table.rows.begin(), table.rows.end(),
                                      [&](const DeviceRow& row) { return row.values.count(column) > 0; });
    if (measured) (column == "unet_peak_allocated_mb" ? table.info_columns : table.columns).push_back(column);
  }
}

// The leader's outputs: devices.json, and per column the median and minimum over ranks and the outlier count.
void record_table(JobContext& context, DeviceBenchmark& table) {
  name_columns(table);
  std::filesystem::create_directories(context.artifacts);
  write_device_benchmark(context.artifacts / device_benchmark_file_name(), table);
  auto& metrics = context.outputs.metrics;
  int outliers = 0;
  for (const std::string& column : table.columns) {
    const auto middle = column_median(table.rows, column);
    if (!middle) continue;
    metrics[column + "_median"] = *middle;
    double lowest = *middle;
    for (const DeviceRow& row : table.rows)
      if (const auto found = row.values.find(column); found != row.values.end()) {
        lowest = std::min(lowest, found->second);
        outliers += is_outlier(found->second, *middle);
      }
    metrics[column + "_min"] = lowest;
  }
  for (const auto& [name, value] : table.group) metrics[name] = value;
  metrics["devices"] = static_cast<double>(table.rows.size());
  metrics["nodes"] = static_cast<double>(node_means(table).size());
  metrics["outliers"] = outliers;
}

void run_devices(JobContext& context) {
  const Job& job = context.job;
  const at::Device device(context.device);
  DeviceRow mine;
  mine.host = host_name();
  mine.device = context.device;
  const auto facts = device_facts(context.device);
  if (const auto gpu = facts.find("gpu_name"); gpu != facts.end()) mine.gpu = gpu->second;
  const auto start = std::chrono::steady_clock::now();
  measure_matmul(job, device, mine);
  measure_unet(job, device, mine);
  measure_copies(job, device, mine);
  measure_node_all_reduce(context, mine);
  DeviceBenchmark table;
  if (context.group_size > 1) {
    const auto group = make_communicator(context.group, context.device);
    table.group["allreduce_group_busbw_gbs"] = allreduce_busbw(*group, job);
  }
  table.rows = gather_rows(context, mine);
  context.outputs.timings["measure"] = seconds_since(start);
  if (context.group_rank == 0) record_table(context, table);
}

}  // namespace

JobKind bench_devices_kind() {
  JobKind kind;
  kind.spec = bench_devices_spec();
  kind.run = run_devices;
  return kind;
}

}  // namespace tunegrid
