// site_config.cpp — see site_config.h.
#include "cluster/site_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <toml++/toml.h>

#include "core/errors.h"
#include "core/text.h"

namespace tunegrid {

namespace {

const std::vector<std::string> kKeys = {"launcher",     "mpi",           "signal",        "max_requeues",
                                        "nodes",        "gpus_per_node", "tasks_per_node", "cpus_per_task",
                                        "time",         "partition",     "account",       "qos",
                                        "mpirun_args",  "srun_args",     "sbatch_args",   "setup"};

std::string where(const std::string& file, const toml::node& node) {
  return fmt::format("{}:{}:{}", file, node.source().begin.line, node.source().begin.column);
}

}  // namespace

std::string signal_name(const std::string& signal) {
  std::string name = signal;
  if (name.size() > 2 && name[1] == ':') name = name.substr(2);
  name = name.substr(0, name.find('@'));
  if (name.rfind("SIG", 0) == 0) name = name.substr(3);
  if (name == "12") name = "USR2";
  if (name == "15") name = "TERM";
  return name;
}

void check_site_config(const SiteConfig& site, const std::string& origin) {
  if (site.launcher != "mpirun" && site.launcher != "srun")
    throw InputError(fmt::format("{}: launcher '{}'; expected \"mpirun\" or \"srun\"", origin, site.launcher));
  const std::string name = signal_name(site.signal);
  const bool batch = site.signal.rfind("B:", 0) == 0, plain = site.signal.find(':') == std::string::npos;
  const auto at = site.signal.find('@');
  const bool seconds = at != std::string::npos && at + 1 < site.signal.size() &&
                       std::all_of(site.signal.begin() + static_cast<std::ptrdiff_t>(at) + 1, site.signal.end(),
                                   [](char c) { return c >= '0' && c <= '9'; });
  if ((name != "USR2" && name != "TERM") || !(batch || plain) || !seconds)
    throw InputError(fmt::format("{}: signal '{}'; expected [B:]USR2@SECONDS or [B:]TERM@SECONDS, e.g. "
                                 "\"B:USR2@120\" (not USR1: NCCL catches it)",
                                 origin, site.signal));
  if (site.max_requeues < 0) throw InputError(fmt::format("{}: max_requeues must be >= 0", origin));
  if (site.nodes < 1) throw InputError(fmt::format("{}: nodes must be >= 1", origin));
  if (site.gpus_per_node < 0 || site.tasks_per_node < 1 || site.cpus_per_task < 0)
    throw InputError(fmt::format("{}: expected gpus_per_node >= 0, tasks_per_node >= 1, cpus_per_task >= 0", origin));
  if (site.time.empty()) throw InputError(fmt::format("{}: time is empty; expected a Slurm time such as 04:00:00", origin));
}

SiteConfig load_site_config(const std::filesystem::path& path) {
  const std::string file = path.string();
  toml::table root;
  try {
    root = toml::parse_file(file);
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    std::error_code missing;
    if (!std::filesystem::exists(path, missing))
      throw InputError(fmt::format("--site {}: no such file", file));
    throw InputError(fmt::format("{}:{}:{}: {}", file, begin.line, begin.column, error.description()));
  }
  SiteConfig site;
  site.file = file;
  for (const auto& [key, node] : root) {
    const std::string name(key.str());
    if (std::find(kKeys.begin(), kKeys.end(), name) == kKeys.end())
      throw InputError(fmt::format("{}: unknown key '{}'{}; expected one of: {}", where(file, node), name,
                                   did_you_mean(name, kKeys), join(kKeys, ", ")));
  }
  auto text = [&](const char* key, std::string& into) {
    if (const toml::node* node = root.get(key)) {
      if (!node->is_string()) throw InputError(fmt::format("{}: '{}' expects a string", where(file, *node), key));
      into = node->as_string()->get();
    }
  };
  auto number = [&](const char* key, int& into) {
    if (const toml::node* node = root.get(key)) {
      if (!node->is_integer()) throw InputError(fmt::format("{}: '{}' expects an integer", where(file, *node), key));
      into = static_cast<int>(node->as_integer()->get());
    }
  };
  auto lines = [&](const char* key, std::vector<std::string>& into) {
    if (const toml::node* node = root.get(key)) {
      const toml::array* array = node->as_array();
      if (!array) throw InputError(fmt::format("{}: '{}' expects an array of strings", where(file, *node), key));
      into.clear();
      for (const auto& item : *array) {
        if (!item.is_string())
          throw InputError(fmt::format("{}: '{}' expects an array of strings", where(file, item), key));
        into.push_back(item.as_string()->get());
      }
    }
  };
  text("launcher", site.launcher);
  text("mpi", site.mpi);
  text("signal", site.signal);
  number("max_requeues", site.max_requeues);
  number("nodes", site.nodes);
  number("gpus_per_node", site.gpus_per_node);
  number("tasks_per_node", site.tasks_per_node);
  number("cpus_per_task", site.cpus_per_task);
  text("time", site.time);
  text("partition", site.partition);
  text("account", site.account);
  text("qos", site.qos);
  lines("mpirun_args", site.mpirun_args);
  lines("srun_args", site.srun_args);
  lines("sbatch_args", site.sbatch_args);
  lines("setup", site.setup);
  check_site_config(site, file);
  return site;
}

SiteConfig default_site_config(const std::filesystem::path& source_dir) {
  std::error_code error;
  if (const char* chosen = std::getenv("TUNEGRID_SITE"); chosen && *chosen) return load_site_config(chosen);
  const auto file = source_dir / "cluster" / "site.toml";
  if (!source_dir.empty() && std::filesystem::exists(file, error)) return load_site_config(file);
  return SiteConfig{};
}

}  // namespace tunegrid
