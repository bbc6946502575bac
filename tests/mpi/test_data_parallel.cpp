// test_data_parallel.cpp — data-parallel training inside a rank group (docs/running.md), run under
// mpirun by tests/mpi/data_parallel.sh (CTest label mpi): the ranks are split into groups of
// two; in each group a 2-rank LoRA and DreamBooth (+ prior preservation, gradient
// accumulation, an uneven global batch of 3) training ends with the parameters a 1-rank
// run with the same global batch reaches (max abs difference <= 1e-5), after the initial
// broadcast every replica holds rank 0's tensors, and the MPI backend's collectives are
// checked against known sums. With 4 ranks the two groups train side by side. The NCCL
// backend's test skips with a message when no GPU is present.
#define BOOST_TEST_MODULE data_parallel
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>
#include <mpi.h>

#include <ATen/ATen.h>

#include "workers/methods/dreambooth.h"
#include "workers/methods/lora.h"
#include "workers/methods/stable_diffusion_base.h"
#include "workers/methods/training_loop.h"
#include "workers/models/stable_diffusion.h"
#include "workers/parallel/communicator.h"
#include "workers/parallel/compute_threads.h"
#include "workers/parallel/data_parallel.h"
#include "workers/parallel/devices.h"
#include "workers/parallel/torch_libraries.h"

using namespace tunegrid;

namespace {

const std::filesystem::path kTinySD = std::filesystem::path(TUNEGRID_SOURCE_DIR) / "tests/fixtures/tiny-sd";

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

// The ranks in pairs: {0, 1}, {2, 3}, ...
MPI_Comm pair_group() {
  static MPI_Comm group = [] {
    MPI_Comm comm;
    MPI_Comm_split(MPI_COMM_WORLD, world_rank() / 2, world_rank(), &comm);
    return comm;
  }();
  return group;
}

// Whether `value` is the same on every rank of `communicator` (bitwise, via max and min).
bool same_on_every_rank(const at::Tensor& value, Communicator& communicator) {
  at::Tensor high = value.detach().clone().contiguous(), low = -value.detach().clone().contiguous();
  communicator.all_reduce(high, ReduceOp::max);
  communicator.all_reduce(low, ReduceOp::max);
  return at::equal(high, value) && at::equal(-low, value);
}

struct Trained {
  std::vector<at::Tensor> initial, parameters;
  std::vector<float> loss;
};

// 5 steps of `method_name` on the tiny pipeline; `group` null: this rank alone.
Trained train(const std::string& method_name, Communicator* group, std::uint64_t seed) {
  StableDiffusion model = load_stable_diffusion(kTinySD);
  FineTuneSettings settings;
  settings.data.data = "builtin:scenes?style=hanok&count=5&seed=3";
  settings.data.prompt_templates = {"a photo of a {}", "a {}"};
  settings.steps = 5;
  settings.batch_size = 3;  // uneven over two ranks: 2 + 1
  settings.gradient_accumulation = 2;
  // AdamW divides every gradient element by its own running RMS, so on elements whose
  // gradient is ~0 a summation-order difference of 1e-9 can move a parameter by up to the
  // learning rate: measured after 5 steps, 1.1e-4 (LoRA) / 1.7e-4 (DreamBooth) at lr 1e-2,
  // 2.6e-6 / 1.7e-5 at 1e-3. So 10x (LoRA) and 20x (DreamBooth) diffusers' default rates,
  // at which the parameters still move by > 1e-4.
  settings.learning_rate = method_name == "dreambooth" ? 1e-4 : 1e-3;
  settings.min_snr_gamma = 5.0;
  settings.seed = seed;
  settings.communicator = group;
  settings.bucket_bytes = 4096;  // several buckets even for these tiny tensors
  const TrainingSet instances = make_training_set(model, settings.data, "test");
  TrainingSetOptions class_options = settings.data;
  class_options.data = "builtin:scenes?style=western&count=4&seed=5";
  const TrainingSet prior = make_training_set(model, make_training_set(model, class_options, "test").images,
                                              "a photo of a house");
  std::unique_ptr<FineTuneMethod> method;
  if (method_name == "lora") method = std::make_unique<LoRA>(LoRAConfig{}, seed);
  else method = std::make_unique<DreamBooth>(DreamBoothConfig{});
  attach_method(*method, model);
  const bool with_prior = method_name == "dreambooth";
  Trained out;
  for (const auto& item : method->trainable()) out.initial.push_back(item.second.detach().clone());
  out.loss = run_finetune(model, *method, settings, instances, with_prior ? &prior : nullptr, {}, "test").loss;
  for (const auto& item : method->trainable()) out.parameters.push_back(item.second.detach().clone());
  return out;
}

void check_two_ranks_equal_one(const std::string& method_name) {
  auto group = make_mpi_communicator(pair_group());
  BOOST_REQUIRE(group->size() == 2);
  const std::uint64_t seed = 11 + static_cast<std::uint64_t>(world_rank() / 2);  // each group its own run
  const Trained alone = train(method_name, nullptr, seed);
  const Trained together = train(method_name, group.get(), seed);
  BOOST_REQUIRE(alone.parameters.size() == together.parameters.size());
  double worst = 0;
  for (std::size_t i = 0; i < alone.parameters.size(); ++i)
    worst = std::max(worst, (alone.parameters[i] - together.parameters[i]).abs().max().item<double>());
  BOOST_TEST_MESSAGE(method_name << ", group of 2: max |2 ranks - 1 rank| = " << worst);
  BOOST_TEST(worst <= 1e-5, method_name << ": max abs difference " << worst);
  BOOST_REQUIRE(alone.loss.size() == together.loss.size());
  for (std::size_t i = 0; i < alone.loss.size(); ++i)
    BOOST_TEST(std::abs(alone.loss[i] - together.loss[i]) <= 1e-5 * std::max(1.0f, std::abs(alone.loss[i])),
               "loss at step " << i << ": " << alone.loss[i] << " vs " << together.loss[i]);
  // Training moved the parameters (the comparison is not between two untouched copies).
  double moved = 0;
  for (std::size_t i = 0; i < together.parameters.size(); ++i)
    moved = std::max(moved, (together.parameters[i] - together.initial[i]).abs().max().item<double>());
  BOOST_TEST(moved > 1e-4, method_name << " moved its parameters by " << moved);
  // Every replica ends identical.
  for (const auto& p : together.parameters) BOOST_TEST(same_on_every_rank(p, *group));
}

boost::test_tools::assertion_result gpu_present(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result result(visible_gpu_count() > 0);
  result.message() << "no GPU visible (" << describe_torch_libraries() << "): the NCCL backend is not exercised";
  return result;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(data_parallel)

BOOST_AUTO_TEST_CASE(mpi_collectives_sum_average_max_and_broadcast) {
  auto group = make_mpi_communicator(pair_group());
  const double r = group->rank();
  at::Tensor x = at::full({5}, r + 1, at::kFloat);
  group->all_reduce(x, ReduceOp::sum);
  BOOST_TEST(at::allclose(x, at::full({5}, 3.0, at::kFloat)));  // 1 + 2
  at::Tensor y = at::full({3}, r, at::kDouble);
  group->all_reduce(y, ReduceOp::average);
  BOOST_TEST(at::allclose(y, at::full({3}, 0.5, at::kDouble)));
  at::Tensor z = at::arange(4, at::kLong) * static_cast<std::int64_t>(r);
  group->all_reduce(z, ReduceOp::max);
  BOOST_TEST(at::equal(z, at::arange(4, at::kLong)));
  at::Tensor b = at::full({2, 2}, r + 7, at::kFloat);
  group->broadcast(b, 0);
  BOOST_TEST(at::equal(b, at::full({2, 2}, 7.0, at::kFloat)));
  BOOST_TEST(group_sum(*group, r) == 1.0);
  BOOST_TEST(group_max(*group, static_cast<int>(r) * 5) == 5);
  group->barrier();
  at::Tensor half = at::ones({2}, at::kHalf);
  BOOST_CHECK_THROW(group->all_reduce(half, ReduceOp::sum), CommunicatorError);
}

BOOST_AUTO_TEST_CASE(batch_shares_cover_the_batch_unevenly) {
  BOOST_TEST((batch_share(3, 0, 2) == std::pair<int, int>{0, 2}));
  BOOST_TEST((batch_share(3, 1, 2) == std::pair<int, int>{2, 3}));
  BOOST_TEST((batch_share(1, 1, 2) == std::pair<int, int>{1, 1}));  // a rank with no example
  BOOST_TEST((batch_share(8, 3, 4) == std::pair<int, int>{6, 8}));
}

BOOST_AUTO_TEST_CASE(after_the_broadcast_every_replica_holds_rank_0s_tensors) {
  auto group = make_mpi_communicator(pair_group());
  StableDiffusion model = load_stable_diffusion(kTinySD);
  LoRA method(LoRAConfig{}, 100 + static_cast<std::uint64_t>(world_rank()));  // a different init per rank
  method.attach(model);
  NamedTensors trainable = method.trainable();
  BOOST_TEST(!same_on_every_rank(trainable.front().second, *group));  // they start apart
  broadcast_tensors(trainable, *group);
  for (const auto& [name, value] : trainable) BOOST_TEST(same_on_every_rank(value, *group), name);
  // Rank 0's own initialisation is what everyone holds.
  StableDiffusion reference = load_stable_diffusion(kTinySD);
  LoRA first(LoRAConfig{}, 100 + static_cast<std::uint64_t>(world_rank() / 2 * 2));
  first.attach(reference);
  BOOST_TEST(at::equal(first.trainable().front().second, trainable.front().second));
}

BOOST_AUTO_TEST_CASE(gradients_are_summed_in_buckets_and_missing_ones_count_as_zero) {
  auto group = make_mpi_communicator(pair_group());
  const double r = group->rank();
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (int i = 0; i < 5; ++i) {
    at::Tensor p = at::zeros({3 + i, 7}, at::kFloat).set_requires_grad(true);
    if (r == 0 || i != 2) p.mutable_grad() = at::full({3 + i, 7}, (r + 1) * (i + 1), at::kFloat);
    tensors.emplace_back("p" + std::to_string(i), p);
  }
  all_reduce_gradients(tensors, *group, ReduceOp::sum, 200);  // 200 bytes: one or two tensors a bucket
  for (int i = 0; i < 5; ++i) {
    const double want = i == 2 ? 1.0 * (i + 1) : 3.0 * (i + 1);  // rank 1 had no gradient for p2
    BOOST_TEST(at::allclose(tensors[i].second.grad(), at::full({3 + i, 7}, want, at::kFloat)), "p" << i);
  }
}

BOOST_AUTO_TEST_CASE(two_ranks_train_lora_as_one_rank_with_the_same_global_batch) {
  check_two_ranks_equal_one("lora");
}

BOOST_AUTO_TEST_CASE(two_ranks_train_dreambooth_as_one_rank_with_the_same_global_batch) {
  check_two_ranks_equal_one("dreambooth");
}

BOOST_AUTO_TEST_CASE(nccl_backend_all_reduces_on_the_gpu, *boost::unit_test::precondition(gpu_present)) {
#ifdef TUNEGRID_WITH_NCCL
  auto group = make_communicator(pair_group(), device_for_local_rank(world_rank()));
  BOOST_TEST(group->backend() == "nccl");
  at::Tensor x = at::full({1024}, group->rank() + 1.0, at::TensorOptions(at::kFloat).device(group->device()));
  group->all_reduce(x, ReduceOp::sum);
  BOOST_TEST(at::allclose(x.cpu(), at::full({1024}, 3.0, at::kFloat)));
#else
  BOOST_FAIL("a GPU is visible but this build has no NCCL backend (TUNEGRID_WITH_NCCL=OFF)");
#endif
}

BOOST_AUTO_TEST_SUITE_END()

int main(int argc, char* argv[]) {
  MPI_Init(&argc, &argv);
  use_available_cpus();
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int result = 1;
  if (size % 2 != 0) {
    if (world_rank() == 0) std::fprintf(stderr, "test_data_parallel: run it on an even number of ranks\n");
  } else {
    result = boost::unit_test::unit_test_main([] { return true; }, argc, argv);
  }
  // Every rank must agree: one failing rank fails the test.
  int worst = result;
  MPI_Allreduce(&result, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return worst;
}
