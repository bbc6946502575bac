// gradient_checkpoint.cpp — see gradient_checkpoint.h.
#include "workers/models/gradient_checkpoint.h"

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <ATen/core/Generator.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include <mutex>
#include <optional>

#include "workers/models/autocast_scope.h"

namespace tunegrid {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// What backward needs to run the segment again as forward ran it.
struct Recompute : torch::CustomClassHolder {
  Segment segment;
  at::Device device{at::kCPU};
  std::optional<at::ScalarType> autocast_dtype;  // autocast on `device`'s type, when it was on
  at::Tensor cpu_random_state, device_random_state;
};

at::Generator default_generator(const at::Device& device) {
  return device.is_cpu() ? at::detail::getDefaultCPUGenerator() : at::globalContext().defaultGenerator(device);
}

at::Tensor random_state(const at::Device& device) {
  at::Generator generator = default_generator(device);
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_random_state(const at::Device& device, const at::Tensor& state) {
  at::Generator generator = default_generator(device);
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

// The segment's device: its first defined input's.
at::Device device_of(const std::vector<at::Tensor>& inputs) {
  for (const auto& input : inputs)
    if (input.defined()) return input.device();
  return at::Device(at::kCPU);
}

struct CheckpointFunction : torch::autograd::Function<CheckpointFunction> {
  // `anchor` requires gradient, so the output does even when no input does (a frozen prefix):
  // the segment's own parameters still receive theirs.
  static variable_list forward(AutogradContext* context, const Segment& segment, const at::Tensor& anchor,
                               at::TensorList input_list) {
    (void)anchor;
    const variable_list inputs = input_list.vec();
    auto recompute = c10::make_intrusive<Recompute>();
    recompute->segment = segment;
    recompute->device = device_of(inputs);
    if (at::autocast::is_autocast_enabled(recompute->device.type()))
      recompute->autocast_dtype = at::autocast::get_autocast_dtype(recompute->device.type());
    recompute->cpu_random_state = random_state(at::Device(at::kCPU));
    if (recompute->device.is_cuda()) recompute->device_random_state = random_state(recompute->device);
    context->saved_data["recompute"] = at::IValue::make_capsule(recompute);
    context->save_for_backward(inputs);
    at::NoGradGuard no_grad;
    return {segment(inputs)};
  }

  static variable_list backward(AutogradContext* context, variable_list output_grads) {
    auto recompute = c10::static_intrusive_pointer_cast<Recompute>(context->saved_data["recompute"].toCapsule());
    variable_list inputs;
    for (const auto& input : context->get_saved_variables())
      inputs.push_back(input.defined() ? input.detach().requires_grad_(input.requires_grad()) : input);
    at::Tensor output;
    {
      // The random state of the first run, for the recompute only.
      const at::Tensor cpu_now = random_state(at::Device(at::kCPU));
      const at::Tensor device_now =
          recompute->device_random_state.defined() ? random_state(recompute->device) : at::Tensor();
      set_random_state(at::Device(at::kCPU), recompute->cpu_random_state);
      if (device_now.defined()) set_random_state(recompute->device, recompute->device_random_state);
      {
        const at::AutoGradMode grad(true);
        const AutocastScope autocast(recompute->device.type(), recompute->autocast_dtype);
        output = recompute->segment(inputs);
      }
      set_random_state(at::Device(at::kCPU), cpu_now);
      if (device_now.defined()) set_random_state(recompute->device, device_now);
    }
    if (output.requires_grad()) torch::autograd::backward({output}, {output_grads[0]});
    variable_list grads = {at::Tensor(), at::Tensor()};  // the segment and the anchor
    for (const auto& input : inputs)
      grads.push_back(input.defined() && input.requires_grad() ? input.grad() : at::Tensor());
    return grads;
  }
};

}  // namespace

at::Tensor checkpointed(const Segment& segment, const std::vector<at::Tensor>& inputs) {
  if (!at::GradMode::is_enabled()) return segment(inputs);
  static const at::Tensor anchor = at::empty({0}).requires_grad_(true);
  return CheckpointFunction::apply(segment, anchor, at::TensorList(inputs))[0];
}

}  // namespace tunegrid
