// fake_accelerator.cpp — see fake_accelerator.h. PyTorch's own tests register a device the
// same way (test/cpp_extensions/open_registration_extension): an allocator, a device guard,
// hooks, the factory / copy / view / resize kernels, and a boxed fallback for the rest.
#include "tests/workers/fake_accelerator.h"

#include <ATen/ATen.h>
#include <ATen/EmptyTensor.h>
#include <ATen/detail/PrivateUse1HooksInterface.h>
#include <ATen/native/CPUFallback.h>
#include <ATen/core/Generator.h>
#include <ATen/native/Resize.h>
#include <c10/core/Allocator.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <c10/core/impl/alloc_cpu.h>
#include <torch/library.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace tunegrid::testing {

namespace {

constexpr c10::DeviceType kFake = c10::DeviceType::PrivateUse1;
const c10::Device kFakeDevice(kFake, 0);

void free_fake(void* data) { c10::free_cpu(data); }

std::atomic<std::int64_t> allocations{0};

struct FakeAllocator final : c10::Allocator {
  c10::DataPtr allocate(size_t bytes) override {
    ++allocations;
    void* data = bytes ? c10::alloc_cpu(bytes) : nullptr;
    return {data, data, &free_fake, kFakeDevice};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &free_fake; }
  void copy_data(void* dest, const void* src, std::size_t count) const override { std::memcpy(dest, src, count); }
};
FakeAllocator fake_allocator;

struct FakeGuard final : c10::impl::DeviceGuardImplInterface {
  c10::DeviceType type() const override { return kFake; }
  c10::Device exchangeDevice(c10::Device) const override { return kFakeDevice; }
  c10::Device getDevice() const override { return kFakeDevice; }
  void setDevice(c10::Device) const override {}
  void uncheckedSetDevice(c10::Device) const noexcept override {}
  c10::Stream getStream(c10::Device device) const noexcept override {
    return c10::Stream(c10::Stream::DEFAULT, device);
  }
  c10::Stream exchangeStream(c10::Stream stream) const noexcept override { return stream; }
  c10::DeviceIndex deviceCount() const noexcept override { return 1; }
};
C10_REGISTER_GUARD_IMPL(PrivateUse1, FakeGuard);

// at::manual_seed seeds every device's default generator. The fake device's is seeded and
// never drawn from: its operators run on the CPU, drawing from the CPU's generators.
struct FakeGenerator final : c10::GeneratorImpl {
  FakeGenerator() : c10::GeneratorImpl(kFakeDevice, c10::DispatchKeySet(c10::DispatchKey::PrivateUse1)) {}
  void set_current_seed(uint64_t seed) override { seed_ = seed; }
  void set_offset(uint64_t) override {}
  uint64_t get_offset() const override { return 0; }
  uint64_t current_seed() const override { return seed_; }
  uint64_t seed() override { return seed_; }
  void set_state(const c10::TensorImpl&) override {}
  c10::intrusive_ptr<c10::TensorImpl> get_state() const override {
    TORCH_CHECK(false, "the fake device's generator has no state");
  }

 private:
  FakeGenerator* clone_impl() const override {
    auto* copy = new FakeGenerator();
    copy->seed_ = seed_;
    return copy;
  }
  uint64_t seed_ = 0;
};

struct FakeHooks final : at::PrivateUse1HooksInterface {
  bool isBuilt() const override { return true; }
  bool isAvailable() const override { return true; }
  bool hasPrimaryContext(c10::DeviceIndex) const override { return true; }
  c10::DeviceIndex deviceCount() const override { return 1; }
  at::Device getDeviceFromPtr(void*) const override { return kFakeDevice; }
  const at::Generator& getDefaultGenerator(c10::DeviceIndex) const override {
    static const at::Generator generator = at::make_generator<FakeGenerator>();
    return generator;
  }
  void resizePrivateUse1Bytes(const c10::Storage& storage, size_t bytes) const override {
    at::native::resize_bytes_cpu(storage.unsafeGetStorageImpl(), bytes);
  }
};

// ---- kernels the CPU fallback cannot provide -----------------------------------------

at::Tensor empty_fake(c10::IntArrayRef size, std::optional<c10::ScalarType> dtype, std::optional<c10::Layout>,
                      std::optional<c10::Device>, std::optional<bool>, std::optional<c10::MemoryFormat> format) {
  return at::detail::empty_generic(size, &fake_allocator, c10::DispatchKeySet(c10::DispatchKey::PrivateUse1),
                                   c10::dtype_or_default(dtype), format);
}

at::Tensor empty_strided_fake(c10::IntArrayRef size, c10::IntArrayRef stride, std::optional<c10::ScalarType> dtype,
                              std::optional<c10::Layout>, std::optional<c10::Device>, std::optional<bool>) {
  return at::detail::empty_strided_generic(size, stride, &fake_allocator,
                                           c10::DispatchKeySet(c10::DispatchKey::PrivateUse1),
                                           c10::dtype_or_default(dtype));
}

// The same bytes seen as a CPU tensor (fake memory is host memory).
at::Tensor host_view(const at::Tensor& tensor) {
  if (tensor.device().type() != kFake) return tensor;
  const c10::Storage& storage = tensor.storage();
  c10::Storage host(c10::Storage::use_byte_size_t(), storage.nbytes(),
                    c10::DataPtr(storage.mutable_data(), c10::Device(at::kCPU)), nullptr, false);
  return at::empty({0}, at::TensorOptions().dtype(tensor.scalar_type()))
      .set_(host, tensor.storage_offset(), tensor.sizes(), tensor.strides());
}

at::Tensor copy_from_fake(const at::Tensor& self, const at::Tensor& dst, bool) {
  host_view(dst).copy_(host_view(self));
  return dst;
}

at::Tensor copy_from_and_resize_fake(const at::Tensor& self, const at::Tensor& dst) {
  dst.resize_(self.sizes());
  host_view(dst).copy_(host_view(self));
  return dst;
}

at::Scalar local_scalar_fake(const at::Tensor& self) { return host_view(self).item(); }

at::Tensor view_fake(const at::Tensor& self, c10::IntArrayRef size) { return at::native::view(self, size); }

at::Tensor as_strided_fake(const at::Tensor& self, c10::IntArrayRef size, c10::IntArrayRef stride,
                           std::optional<int64_t> offset) {
  return at::native::as_strided_tensorimpl(self, size, stride, offset);
}

at::Tensor reshape_alias_fake(const at::Tensor& self, c10::IntArrayRef size, c10::IntArrayRef stride) {
  return at::native::as_strided_tensorimpl(self, size, stride, self.storage_offset());
}

const at::Tensor& resize_fake(const at::Tensor& self, c10::IntArrayRef size, std::optional<c10::MemoryFormat>) {
  at::native::resize_impl_cpu_(self.unsafeGetTensorImpl(), size, std::nullopt);
  return self;
}

// Module::to moves a parameter in place (set_data), which needs this for a backend of its own.
bool compatible_fake(const at::Tensor& self, const at::Tensor& from) {
  const auto dense = [](const at::Tensor& tensor) {
    return tensor.layout() == at::kStrided && (tensor.device().is_cpu() || tensor.device().type() == kFake);
  };
  return dense(self) && dense(from);
}

at::Tensor to_cpu(const at::Tensor& tensor) { return tensor.defined() ? tensor.to(at::kCPU) : tensor; }
at::Tensor to_fake(const at::Tensor& tensor) { return tensor.defined() ? tensor.to(kFakeDevice) : tensor; }

// Refuses what check_and_run_on_cpu refuses, for the kernels written here.
void check_on_fake(std::initializer_list<const at::Tensor*> tensors, const char* what) {
  for (const at::Tensor* tensor : tensors)
    TORCH_CHECK(!tensor->defined() || tensor->device().type() == kFake,
                "Expected all tensors to be on the same device, but found at least two devices, fake:0 and ",
                tensor->device(), "! (", what, ")");
}

// Convolutions dispatch to a backend's "overrideable" kernels, which have no CPU version.
at::Tensor convolution_fake(const at::Tensor& input, const at::Tensor& weight, const std::optional<at::Tensor>& bias,
                            c10::IntArrayRef stride, c10::IntArrayRef padding, c10::IntArrayRef dilation,
                            bool transposed, c10::IntArrayRef output_padding, int64_t groups) {
  const at::Tensor no_bias;
  check_on_fake({&input, &weight, bias ? &*bias : &no_bias}, "convolution");
  std::optional<at::Tensor> host_bias;
  if (bias && bias->defined()) host_bias = to_cpu(*bias);
  return to_fake(at::convolution(to_cpu(input), to_cpu(weight), host_bias, stride, padding, dilation, transposed,
                                 output_padding, groups));
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> convolution_backward_fake(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight, c10::IntArrayRef stride,
    c10::IntArrayRef padding, c10::IntArrayRef dilation, bool transposed, c10::IntArrayRef output_padding,
    int64_t groups, std::array<bool, 3> output_mask) {
  check_on_fake({&grad_output, &input, &weight}, "convolution_backward");
  const int64_t channels = transposed ? weight.size(1) * groups : weight.size(0);
  auto [grad_input, grad_weight, grad_bias] = at::convolution_backward(
      to_cpu(grad_output), to_cpu(input), to_cpu(weight), std::vector<int64_t>{channels}, stride, padding, dilation,
      transposed, output_padding, groups, output_mask);
  return {to_fake(grad_input), to_fake(grad_weight), to_fake(grad_bias)};
}

// ---- everything else: checked as CUDA would, then run by the CPU fallback ---------------

struct DevicesSeen {
  bool fake = false, cpu = false;
  void add(const at::Tensor& tensor) {
    if (!tensor.defined()) return;
    if (tensor.device().type() == kFake) fake = true;
    if (tensor.device().is_cpu() && tensor.dim() > 0) cpu = true;  // 0-dim CPU tensors pass as scalars
  }
};

void check_and_run_on_cpu(const c10::OperatorHandle& op, torch::jit::Stack* stack) {
  const auto& schema = op.schema();
  DevicesSeen seen;
  std::optional<at::Device> generator_device;
  for (const auto& argument : torch::jit::last(stack, schema.arguments().size())) {
    if (argument.isTensor()) seen.add(argument.toTensor());
    if (argument.isTensorList())
      for (const auto& tensor : argument.toTensorVector()) seen.add(tensor);
    if (argument.isOptionalTensorList())
      for (const std::optional<at::Tensor> tensor : argument.toOptionalTensorList())
        if (tensor) seen.add(*tensor);
    if (argument.isGenerator()) generator_device = argument.toGenerator().device();
  }
  TORCH_CHECK(!(seen.fake && seen.cpu), "Expected all tensors to be on the same device, but found at least two "
              "devices, fake:0 and cpu! (", schema.name(), ")");
  TORCH_CHECK(!(seen.fake && generator_device && generator_device->type() != kFake), schema.name(),
              ": a ", *generator_device, " generator cannot fill tensors on the fake device");
  at::native::cpu_fallback(op, stack);
}

}  // namespace

c10::Device fake_accelerator() {
  static std::once_flag registered;
  std::call_once(registered, [] {
    c10::SetAllocator(kFake, &fake_allocator);
    c10::register_privateuse1_backend("fake");
    static FakeHooks hooks;
    at::RegisterPrivateUse1HooksInterface(&hooks);
  });
  return kFakeDevice;
}

std::int64_t fake_allocations() { return allocations.load(); }

}  // namespace tunegrid::testing

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  using namespace tunegrid::testing;
  m.impl("empty.memory_format", empty_fake);
  m.impl("empty_strided", empty_strided_fake);
  m.impl("_copy_from", copy_from_fake);
  m.impl("_copy_from_and_resize", copy_from_and_resize_fake);
  m.impl("_local_scalar_dense", local_scalar_fake);
  m.impl("view", view_fake);
  m.impl("as_strided", as_strided_fake);
  m.impl("_reshape_alias", reshape_alias_fake);
  m.impl("resize_", resize_fake);
  m.impl("_has_compatible_shallow_copy_type", compatible_fake);
  m.impl("convolution_overrideable", convolution_fake);
  m.impl("convolution_backward_overrideable", convolution_backward_fake);
}

TORCH_LIBRARY_IMPL(_, PrivateUse1, m) {
  m.fallback(torch::CppFunction::makeFromBoxedFunction<&tunegrid::testing::check_and_run_on_cpu>());
}
