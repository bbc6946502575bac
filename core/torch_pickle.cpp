// torch_pickle.cpp — see torch_pickle.h. A small pickle machine (the opcodes of Python's
// pickletools for protocols 2-5 that data needs): objects live as shared nodes while the
// pickle runs, so memoised containers filled after they were memoised stay one object, and
// the finished graph is copied into a plain PickleValue tree at STOP.
#include "core/torch_pickle.h"

#include <fmt/format.h>

#include <cstring>
#include <map>
#include <unordered_map>

#include "core/errors.h"
#include "core/input_file.h"
#include "core/text.h"

namespace tunegrid {

namespace {

constexpr int kMaxDepth = 512;  // nesting of the result; deeper is refused, not recursed into

struct Node;
using NodePtr = std::shared_ptr<Node>;

struct Node {
  PickleValue::Kind kind = PickleValue::Kind::none;
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0;
  std::string text;
  std::vector<NodePtr> items;
  std::vector<std::pair<NodePtr, NodePtr>> entries;
  std::shared_ptr<PickleTensor> tensor;
};

NodePtr make(PickleValue::Kind kind) {
  auto node = std::make_shared<Node>();
  node->kind = kind;
  return node;
}

struct StorageType {
  const char* name;
  const char* dtype;
  std::size_t size;
};

const StorageType kStorageTypes[] = {
    {"torch.FloatStorage", "float32", 4}, {"torch.DoubleStorage", "float64", 8}, {"torch.HalfStorage", "float16", 2},
    {"torch.BFloat16Storage", "bfloat16", 2}, {"torch.LongStorage", "int64", 8}, {"torch.IntStorage", "int32", 4},
    {"torch.ShortStorage", "int16", 2},    {"torch.CharStorage", "int8", 1},   {"torch.ByteStorage", "uint8", 1},
    {"torch.BoolStorage", "bool", 1}};

class Machine {
 public:
  Machine(std::string_view pickle, const std::string& name) : in_(pickle), name_(name) {}

  PickleValue run() {
    while (true) {
      const unsigned char op = byte();
      if (op == '.') break;
      step(op);
    }
    if (stack_.size() != 1) fail(fmt::format("the pickle ends with {} values on its stack, expected 1", stack_.size()));
    return convert(*stack_.back(), 0);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(fmt::format("{}: {} (at byte {} of the pickle)", name_, what, at_));
  }

  std::string_view take(std::size_t count) {
    if (in_.size() - at_ < count) fail("the pickle ends early (truncated?)");
    const std::string_view out = in_.substr(at_, count);
    at_ += count;
    return out;
  }
  unsigned char byte() { return static_cast<unsigned char>(take(1)[0]); }
  std::uint64_t little(std::size_t count) {
    const std::string_view bytes = take(count);
    std::uint64_t value = 0;
    for (std::size_t i = count; i-- > 0;) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
    return value;
  }
  std::string_view line() {
    const std::size_t end = in_.find('\n', at_);
    if (end == std::string_view::npos) fail("a GLOBAL name runs past the end");
    const std::string_view out = in_.substr(at_, end - at_);
    at_ = end + 1;
    return out;
  }

  NodePtr pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) fail("the pickle pops an empty stack");
    NodePtr node = stack_.back();
    stack_.pop_back();
    return node;
  }
  NodePtr& top() {
    if (stack_.empty()) fail("the pickle reads an empty stack");
    return stack_.back();
  }
  std::vector<NodePtr> pop_to_mark() {
    if (marks_.empty()) fail("the pickle closes a MARK it never opened");
    std::vector<NodePtr> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  void push(NodePtr node) { stack_.push_back(std::move(node)); }
  void push_text(PickleValue::Kind kind, std::string_view text) {
    NodePtr node = make(kind);
    node->text = std::string(text);
    push(node);
  }
  void push_integer(std::int64_t value) {
    NodePtr node = make(PickleValue::Kind::integer);
    node->integer = value;
    push(node);
  }
  void push_tuple(std::vector<NodePtr> items) {
    NodePtr node = make(PickleValue::Kind::tuple);
    node->items = std::move(items);
    push(node);
  }
  void memo_put(std::uint64_t key) { memo_[key] = top(); }
  void memo_get(std::uint64_t key) {
    const auto it = memo_.find(key);
    if (it == memo_.end()) fail(fmt::format("the pickle refers to memo entry {}, which it never stored", key));
    push(it->second);
  }
  void set_items(NodePtr& dict, std::vector<NodePtr> pairs) {
    if (dict->kind != PickleValue::Kind::dict) fail("SETITEM(S) on something that is not a dict");
    if (pairs.size() % 2) fail("SETITEMS with an odd number of values");
    for (std::size_t i = 0; i < pairs.size(); i += 2) dict->entries.emplace_back(pairs[i], pairs[i + 1]);
  }
  void append(NodePtr& list, std::vector<NodePtr> items) {
    if (list->kind != PickleValue::Kind::list) fail("APPEND(S) on something that is not a list");
    for (auto& item : items) list->items.push_back(std::move(item));
  }

  void step(unsigned char op);
  void global(std::string module, std::string name);
  void reduce();
  void persistent_id();

  std::string_view in_;
  std::size_t at_ = 0;
  std::string name_;
  std::vector<NodePtr> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, NodePtr> memo_;

  PickleValue convert(const Node& node, int depth) const {
    if (depth > kMaxDepth) throw InputError(fmt::format("{}: the pickle nests deeper than {} levels", name_, kMaxDepth));
    PickleValue value;
    value.kind = node.kind;
    value.boolean = node.boolean;
    value.integer = node.integer;
    value.real = node.real;
    value.text = node.text;
    value.tensor = node.tensor;
    for (const auto& item : node.items) value.items.push_back(convert(*item, depth + 1));
    for (const auto& [key, entry] : node.entries)
      value.entries.emplace_back(convert(*key, depth + 1), convert(*entry, depth + 1));
    return value;
  }
};

void Machine::step(unsigned char op) {
  using K = PickleValue::Kind;
  switch (op) {
    case 0x80: byte(); return;                                  // PROTO
    case 0x95: take(8); return;                                 // FRAME
    case '(': marks_.push_back(stack_.size()); return;          // MARK
    case 'N': push(make(K::none)); return;
    case 0x88: case 0x89: {                                     // NEWTRUE, NEWFALSE
      NodePtr node = make(K::boolean);
      node->boolean = op == 0x88;
      push(node);
      return;
    }
    case 'K': push_integer(static_cast<std::int64_t>(little(1))); return;                             // BININT1
    case 'M': push_integer(static_cast<std::int64_t>(little(2))); return;                             // BININT2
    case 'J': push_integer(static_cast<std::int32_t>(static_cast<std::uint32_t>(little(4)))); return;  // BININT
    case 0x8a: {                                                // LONG1: little-endian two's complement
      const std::size_t count = byte();
      if (count > 8) fail(fmt::format("an integer of {} bytes does not fit in 64 bits", count));
      std::uint64_t value = little(count);
      if (count > 0 && count < 8 && (value >> (8 * count - 1)) & 1) value |= ~std::uint64_t{0} << (8 * count);
      push_integer(static_cast<std::int64_t>(value));
      return;
    }
    case 'G': {                                                 // BINFLOAT: big-endian double
      const std::string_view bytes = take(8);
      std::uint64_t bits = 0;
      for (const char c : bytes) bits = (bits << 8) | static_cast<unsigned char>(c);
      NodePtr node = make(K::real);
      std::memcpy(&node->real, &bits, 8);
      push(node);
      return;
    }
    case 'X': push_text(K::text, take(little(4))); return;      // BINUNICODE
    case 0x8c: push_text(K::text, take(little(1))); return;     // SHORT_BINUNICODE
    case 0x8d: push_text(K::text, take(little(8))); return;     // BINUNICODE8
    case 'T': push_text(K::text, take(little(4))); return;      // BINSTRING
    case 'U': push_text(K::text, take(little(1))); return;      // SHORT_BINSTRING
    case 'B': push_text(K::bytes, take(little(4))); return;     // BINBYTES
    case 'C': push_text(K::bytes, take(little(1))); return;     // SHORT_BINBYTES
    case 0x8e: push_text(K::bytes, take(little(8))); return;    // BINBYTES8
    case '}': push(make(K::dict)); return;                      // EMPTY_DICT
    case ']': push(make(K::list)); return;                      // EMPTY_LIST
    case ')': push_tuple({}); return;                           // EMPTY_TUPLE
    case 'd': {                                                 // DICT
      NodePtr dict = make(K::dict);
      set_items(dict, pop_to_mark());
      push(dict);
      return;
    }
    case 'l': {                                                 // LIST
      NodePtr list = make(K::list);
      append(list, pop_to_mark());
      push(list);
      return;
    }
    case 't': push_tuple(pop_to_mark()); return;                // TUPLE
    case 0x85: case 0x86: case 0x87: {                          // TUPLE1, TUPLE2, TUPLE3
      std::vector<NodePtr> items(op - 0x84);
      for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
      push_tuple(std::move(items));
      return;
    }
    case 's': {                                                 // SETITEM
      NodePtr value = pop(), key = pop();
      set_items(top(), {key, value});
      return;
    }
    case 'u': { auto pairs = pop_to_mark(); set_items(top(), std::move(pairs)); return; }  // SETITEMS
    case 'a': { NodePtr item = pop(); append(top(), {item}); return; }                     // APPEND
    case 'e': { auto items = pop_to_mark(); append(top(), std::move(items)); return; }     // APPENDS
    case 'q': memo_put(little(1)); return;                      // BINPUT
    case 'r': memo_put(little(4)); return;                      // LONG_BINPUT
    case 0x94: memo_put(memo_.size()); return;                  // MEMOIZE
    case 'h': memo_get(little(1)); return;                      // BINGET
    case 'j': memo_get(little(4)); return;                      // LONG_BINGET
    case 'c': {                                                 // GLOBAL module\nname\n
      std::string module(line());
      global(std::move(module), std::string(line()));
      return;
    }
    case 0x93: {                                                // STACK_GLOBAL
      NodePtr name = pop(), module = pop();
      if (name->kind != K::text || module->kind != K::text) fail("STACK_GLOBAL without two strings");
      global(module->text, name->text);
      return;
    }
    case 'R': reduce(); return;
    case 'Q': persistent_id(); return;                          // BINPERSID
    case 'b': {                                                 // BUILD: a tensor's empty Python state only
      NodePtr state = pop();
      const bool empty = state->kind == K::none || (state->kind == K::dict && state->entries.empty()) ||
                         (state->kind == K::tuple && state->items.empty());
      if (top()->kind != K::tensor || !empty) fail("BUILD sets the state of an object; only data is read");
      return;
    }
    default:
      fail(fmt::format("opcode 0x{:02x} is not one that plain data needs", op));
  }
}

void Machine::global(std::string module, std::string name) {
  const std::string full = module + "." + name;
  static const char* const kAllowed[] = {"torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
                                         "torch._utils._rebuild_parameter_with_state", "collections.OrderedDict"};
  bool allowed = false;
  for (const char* known : kAllowed) allowed = allowed || full == known;
  for (const auto& type : kStorageTypes) allowed = allowed || full == type.name;
  if (!allowed)
    fail(fmt::format("refuses global '{}': a class or function the file would import; tunegrid reads tensors, "
                     "numbers, strings and containers only (as torch.load(weights_only=True))",
                     abbreviate(full)));
  push_text(PickleValue::Kind::global, full);
}

// ('storage', <storage type>, key, location, numel) -> a storage node.
void Machine::persistent_id() {
  NodePtr id = pop();
  if (id->kind != PickleValue::Kind::tuple || id->items.size() < 5 || id->items[0]->text != "storage" ||
      id->items[1]->kind != PickleValue::Kind::global || id->items[2]->kind != PickleValue::Kind::text)
    fail("a persistent id that is not ('storage', type, key, location, size)");
  NodePtr storage = make(PickleValue::Kind::storage);
  storage->text = id->items[2]->text;
  storage->tensor = std::make_shared<PickleTensor>();
  for (const auto& type : kStorageTypes)
    if (id->items[1]->text == type.name) {
      storage->tensor->dtype = type.dtype;
      storage->tensor->element_size = type.size;
    }
  if (storage->tensor->dtype.empty()) fail(fmt::format("storage type '{}' is not one tunegrid reads", id->items[1]->text));
  storage->tensor->storage_key = storage->text;
  push(storage);
}

void Machine::reduce() {
  using K = PickleValue::Kind;
  NodePtr arguments = pop(), callable = pop();
  if (callable->kind != K::global || arguments->kind != K::tuple) fail("REDUCE of something that is not a known call");
  const auto& args = arguments->items;
  const std::string& function = callable->text;
  if (function == "collections.OrderedDict") {
    NodePtr dict = make(K::dict);
    if (!args.empty()) {  // OrderedDict([[key, value], ...])
      for (const auto& pair : args[0]->items) {
        if (pair->items.size() != 2) fail("OrderedDict of something other than pairs");
        dict->entries.emplace_back(pair->items[0], pair->items[1]);
      }
    }
    push(dict);
    return;
  }
  if (function == "torch._utils._rebuild_parameter" || function == "torch._utils._rebuild_parameter_with_state") {
    if (args.empty() || args[0]->kind != K::tensor) fail(function + " without a tensor");
    push(args[0]);
    return;
  }
  // torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])
  if (args.size() < 4 || args[0]->kind != K::storage || args[1]->kind != K::integer || args[2]->kind != K::tuple ||
      args[3]->kind != K::tuple)
    fail("_rebuild_tensor_v2 without (storage, offset, size, stride, ...)");
  NodePtr tensor = make(K::tensor);
  tensor->tensor = std::make_shared<PickleTensor>(*args[0]->tensor);
  tensor->tensor->offset = args[1]->integer;
  for (const auto& size : args[2]->items) tensor->tensor->shape.push_back(size->integer);
  for (const auto& stride : args[3]->items) tensor->tensor->stride.push_back(stride->integer);
  if (tensor->tensor->shape.size() != tensor->tensor->stride.size()) fail("a tensor whose size and stride differ in length");
  push(tensor);
}

}  // namespace

const PickleValue* PickleValue::find(const std::string& key) const {
  if (kind != Kind::dict) return nullptr;
  for (const auto& [name, value] : entries)
    if (name.kind == Kind::text && name.text == key) return &value;
  return nullptr;
}

std::string PickleValue::describe() const {
  switch (kind) {
    case Kind::none: return "None";
    case Kind::boolean: return "a boolean";
    case Kind::integer: return "an integer";
    case Kind::real: return "a float";
    case Kind::text: return "a string";
    case Kind::bytes: return "bytes";
    case Kind::list: return "a list";
    case Kind::tuple: return "a tuple";
    case Kind::dict: return "a dict";
    case Kind::tensor: return "a tensor";
    case Kind::global: return "a global";
    case Kind::storage: return "a storage";
  }
  return "?";
}

PickleValue unpickle(std::string_view pickle, const std::string& name) { return Machine(pickle, name).run(); }

std::string_view TorchSaveFile::storage_bytes(const PickleTensor& tensor) const {
  const std::string_view bytes = archive->member(prefix + "data/" + tensor.storage_key);
  std::int64_t last = tensor.offset;  // the furthest element the view reads
  for (std::size_t d = 0; d < tensor.shape.size(); ++d) {
    if (tensor.shape[d] < 0 || tensor.stride[d] < 0)
      throw InputError(fmt::format("{}: a tensor with a negative size or stride", archive->name()));
    if (tensor.shape[d] == 0) return bytes.substr(0, 0);
    last += (tensor.shape[d] - 1) * tensor.stride[d];
  }
  if (tensor.offset < 0 || static_cast<std::uint64_t>(last + 1) * tensor.element_size > bytes.size())
    throw InputError(fmt::format("{}: tensor view reaches past its storage '{}' ({} bytes)", archive->name(),
                                 tensor.storage_key, bytes.size()));
  return bytes;
}

TorchSaveFile read_torch_save(const std::filesystem::path& file) {
  TorchSaveFile saved;
  try {
    saved.archive = std::make_unique<ZipArchive>(file);
  } catch (const InputError& problem) {
    const std::string what = problem.what();
    if (what.find("not a zip archive") != std::string::npos)
      throw InputError(fmt::format("{}: not a zip archive: the legacy torch.save format of PyTorch before 1.6 is not "
                                   "read; save it again with a current PyTorch, or use a .safetensors file",
                                   file.string()));
    throw;
  }
  std::string pickle_name;
  for (const auto& name : saved.archive->names()) {
    const auto slash = name.find('/');
    if (slash != std::string::npos && name.substr(slash + 1) == "data.pkl") {
      pickle_name = name;
      saved.prefix = name.substr(0, slash + 1);
      break;
    }
  }
  if (pickle_name.empty()) throw InputError(fmt::format("{}: holds no <archive>/data.pkl (not a torch.save file)", file.string()));
  saved.root = unpickle(saved.archive->member(pickle_name), file.string() + " " + pickle_name);
  return saved;
}

}  // namespace tunegrid
