#include "plugin_host.hpp"

#include "client_frames.hpp"
#include "presence.hpp"

#include "config.hpp"
#include "elf_file.hpp"
#include "logging.hpp"
#include "rate_limiter.hpp"

#include <mmm/error.hpp>
#include <mmm/host.hpp>
#include <mmm/plugin.hpp>
#include <mmm/services.hpp>

#include <spdlog/logger.h>

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <climits>
#include <set>
#include <sstream>

namespace mmm::core {
namespace {

std::vector<std::string> splitList(const char* text) {
  std::vector<std::string> out;
  if (!text) return out;
  std::string item;
  for (const char* p = text;; ++p) {
    if (*p == ',' || *p == '\0') {
      auto begin = item.find_first_not_of(" \t");
      auto end = item.find_last_not_of(" \t");
      if (begin != std::string::npos) out.push_back(item.substr(begin, end - begin + 1));
      item.clear();
      if (*p == '\0') break;
    } else {
      item += *p;
    }
  }
  return out;
}

std::string version(std::uint32_t major, std::uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

}  // namespace

std::string executableDirectory() {
  char path[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return ".";
  std::string exe(path, static_cast<std::size_t>(n));
  return exe.substr(0, exe.rfind('/'));
}

std::optional<std::string> checkDescriptor(const mmm_plugin_descriptor& d, const std::string& file,
                                           const std::string& name) {
  const std::string theirs = "ABI " + version(d.abi_major, d.abi_minor);
  const std::string ours = "ABI " + version(MMM_ABI_MAJOR, MMM_ABI_MINOR);
  // With another major, nothing beyond the first two fields can be trusted.
  if (d.abi_major != MMM_ABI_MAJOR)
    return file + ": plugin '" + name + "' was built for plugin " + theirs +
           ", but this server provides " + ours + " (the major versions differ)";
  if (d.abi_minor > MMM_ABI_MINOR)
    return file + ": plugin '" + name + "' was built for plugin " + theirs +
           ", but this server provides only " + ours + " (upgrade the server)";
  // The fields of ABI x.0 must all be there; later minors only append.
  constexpr std::size_t kFirstLayout = offsetof(mmm_plugin_descriptor, destroy) + sizeof(d.destroy);
  if (d.size < kFirstLayout || !d.build_key || !d.name || !d.create || !d.destroy)
    return file + ": plugin '" + name + "' has an incomplete descriptor";
  if (std::string(d.build_key) != MMM_BUILD_KEY)
    return file + ": plugin '" + name + "' (" + theirs + ") was built with \"" + d.build_key +
           "\", but this server (" + ours + ") was built with \"" MMM_BUILD_KEY
           "\"; rebuild the plugin against this SDK";
  return std::nullopt;
}

std::vector<std::string> startOrder(const std::vector<PluginNode>& plugins) {
  std::map<std::string, const PluginNode*> byName;
  for (const auto& p : plugins) byName[p.name] = &p;
  for (const auto& p : plugins)
    for (const auto& dep : p.requires_)
      if (!byName.count(dep))
        throw PluginError("plugin '" + p.name + "' requires plugin '" + dep +
                          "', which is not enabled");
  std::vector<std::string> order;
  std::map<std::string, int> state;  // 0 new, 1 visiting, 2 done
  std::vector<std::string> path;
  auto visit = [&](auto&& self, const PluginNode& node) -> void {
    if (state[node.name] == 2) return;
    if (state[node.name] == 1) {
      std::string cycle;
      auto it = std::find(path.begin(), path.end(), node.name);
      for (; it != path.end(); ++it) cycle += *it + " -> ";
      throw PluginError("plugin dependency cycle: " + cycle + node.name);
    }
    state[node.name] = 1;
    path.push_back(node.name);
    auto deps = node.requires_;
    deps.insert(deps.end(), node.optional.begin(), node.optional.end());
    for (const auto& dep : deps)
      if (auto it = byName.find(dep); it != byName.end()) self(self, *it->second);
    path.pop_back();
    state[node.name] = 2;
    order.push_back(node.name);
  };
  for (const auto& p : plugins) visit(visit, p);
  return order;
}

struct PluginHost::Loaded {
  const mmm_plugin_descriptor* descriptor = nullptr;
  std::string file;  // library path, or "(static)"
  std::string name;
  YAML::Node config;
  std::unique_ptr<Context> context;
  Plugin* plugin = nullptr;
  ~Loaded() {
    if (plugin) descriptor->destroy(plugin);
  }
};

class PluginHost::Context final : public Host {
 public:
  Context(std::string name, YAML::Node config, std::shared_ptr<spdlog::logger> logger,
          const RouteSink& routes, const DocSink& docs, Services& services, const BackEnds& backEnds,
          std::map<std::string, Command>& commands, const std::vector<std::string>& reservedFlags)
      : commands_(commands),
        reservedFlags_(reservedFlags),
        name_(std::move(name)),
        config_(std::move(config)),
        logger_(std::move(logger)),
        routes_(routes),
        docs_(docs),
        services_(services),
        backEnds_(backEnds) {}
  const std::string& name() const override { return name_; }
  const YAML::Node& config() const override { return config_; }
  std::shared_ptr<spdlog::logger> logger() const override { return logger_; }
  void route(const std::string& method, const std::string& pattern, Handler handler) override {
    routes_(name_, method, pattern, std::move(handler));
  }
  Services& services() override { return services_; }
  Store& store() override { return backEnds_.store; }
  Sessions& sessions() override { return backEnds_.sessions; }
  Bus& bus() override { return backEnds_.bus; }
  Pusher& pusher() override { return backEnds_.pusher; }
  void route(const std::string& method, const std::string& pattern, Handler handler, const RateLimit& limit) override {
    if (limit.off()) return route(method, pattern, std::move(handler));
    if (limit.name.empty() || limit.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos)
      throw std::invalid_argument("rate limit names are lowercase letters, digits, '_' and '-': '" + limit.name + "'");
    backEnds_.limiter.declare(name_, limit);
    routes_(name_, method, pattern,
            [&limiter = backEnds_.limiter, plugin = name_, limit, handler = std::move(handler)](Request& request) {
              limiter.check(plugin, limit, request);
              return handler(request);
            });
    if (docs_.rateLimited) docs_.rateLimited(name_, method, pattern);
  }
  RateLimiter& limiter() override { return backEnds_.limiter; }
  void onClientFrame(const std::string& type, ClientFrameHandler handler) override {
    backEnds_.clientFrames.claim(name_, type, std::move(handler));
  }
  void onPresence(PresenceHandler handler) override { backEnds_.clientFrames.watchPresence(std::move(handler)); }
  std::vector<std::int64_t> online(const std::vector<std::int64_t>& userIds) override {
    return backEnds_.presence.online(userIds);
  }
  const std::string& publicUrl() const override { return backEnds_.publicUrl; }
  void describe(const std::string& method, const std::string& pattern, const RouteDoc& doc) override {
    if (docs_.describe) docs_.describe(name_, method, pattern, doc);
  }
  void schema(const std::string& name, const std::string& jsonSchema) override {
    if (docs_.schema) docs_.schema(name_, name, jsonSchema);
  }
  void command(const std::string& flag, const std::string& help, CommandAction action) override {
    if (flag.empty() || flag.front() == '-' ||
        flag.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
      throw std::invalid_argument("command-line flags are lowercase letters, digits and '-': '" + flag + "'");
    if (std::find(reservedFlags_.begin(), reservedFlags_.end(), flag) != reservedFlags_.end())
      throw std::invalid_argument("--" + flag + " is the server's own flag");
    auto [it, added] = commands_.emplace(flag, Command{name_, help, std::move(action)});
    if (!added) throw std::invalid_argument("--" + flag + " is already declared by plugin '" + it->second.plugin + "'");
  }

 private:
  std::map<std::string, Command>& commands_;
  const std::vector<std::string>& reservedFlags_;
  std::string name_;
  YAML::Node config_;
  std::shared_ptr<spdlog::logger> logger_;
  const RouteSink& routes_;
  const DocSink& docs_;
  Services& services_;
  BackEnds backEnds_;
};

PluginHost::PluginHost(const Logging& logging, RouteSink routes, DocSink docs)
    : logging_(logging), routes_(std::move(routes)), docs_(std::move(docs)), services_(std::make_unique<ServiceRegistry>()) {}

PluginHost::~PluginHost() {
  stop();
  // Destroy plugins (reverse start order) before the libraries' code could matter; the
  // libraries themselves stay loaded for the life of the process.
  while (!plugins_.empty()) plugins_.pop_back();
}

void PluginHost::addStatic(const mmm_plugin_descriptor* descriptor) {
  if (!descriptor) throw PluginError("a static plugin entry returned no descriptor");
  static_.push_back(descriptor);
}

void PluginHost::load(const std::vector<PluginEntry>& entries, const std::string& origin) {
  if (!plugins_.empty()) return;  // loaded already
  struct Candidate {
    const mmm_plugin_descriptor* descriptor;
    std::string file;
    YAML::Node config;
    std::string where;
  };
  std::vector<Candidate> candidates;
  std::set<std::string> seen;

  auto findStatic = [&](const std::string& name) -> const mmm_plugin_descriptor* {
    for (auto* d : static_)
      if (d->name && name == d->name) return d;
    return nullptr;
  };

  for (const auto& entry : entries) {
    if (!seen.insert(entry.name).second)
      throw ConfigError(entry.where + ": plugin '" + entry.name + "' is listed twice");
    if (!entry.enabled) continue;
    const mmm_plugin_descriptor* descriptor = nullptr;
    std::string file;
    if (entry.library.empty() && (descriptor = findStatic(entry.name))) {
      file = "(static)";
    } else {
      file = entry.library.empty() ? "libmmm_" + entry.name + ".so" : entry.library;
      if (file.find('/') == std::string::npos) file = executableDirectory() + "/" + file;
      if (auto problem = elfLoadProblem(file))
        throw PluginError(entry.where + ": cannot load plugin '" + entry.name + "' from " + file + ": " + *problem);
      // RTLD_LOCAL keeps each plugin's symbols to itself; it is never dlclose'd.
      void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!handle) {
        const char* error = ::dlerror();
        throw PluginError(entry.where + ": cannot load plugin '" + entry.name + "' from " + file +
                          ": " + (error ? error : "unknown error"));
      }
      auto entryFn = reinterpret_cast<mmm_plugin_entry_fn>(::dlsym(handle, MMM_PLUGIN_ENTRY_SYMBOL));
      if (!entryFn)
        throw PluginError(file + ": plugin '" + entry.name + "' has no entry symbol " +
                          MMM_PLUGIN_ENTRY_SYMBOL + " (is it an mmm plugin?)");
      descriptor = entryFn();
      if (!descriptor) throw PluginError(file + ": plugin '" + entry.name + "' returned no descriptor");
    }
    if (auto problem = checkDescriptor(*descriptor, file, entry.name)) throw PluginError(*problem);
    if (entry.name != descriptor->name)
      throw PluginError(entry.where + ": " + file + " is plugin '" + descriptor->name +
                        "', not '" + entry.name + "'");
    candidates.push_back({descriptor, file, entry.config, entry.where});
  }
  // Statically registered plugins not named in the config are enabled.
  for (auto* d : static_) {
    if (auto problem = checkDescriptor(*d, "(static)", d->abi_major == MMM_ABI_MAJOR && d->name ? d->name : "?"))
      throw PluginError(*problem);
    if (seen.count(d->name)) continue;
    seen.insert(d->name);
    candidates.push_back({d, "(static)", YAML::Node(), origin});
  }

  std::vector<PluginNode> nodes;
  for (const auto& c : candidates)
    nodes.push_back({c.descriptor->name, splitList(c.descriptor->requires_),
                     splitList(c.descriptor->optional)});
  order_ = startOrder(nodes);

  for (const auto& name : order_) {
    const auto& c = *std::find_if(candidates.begin(), candidates.end(),
                                  [&](const Candidate& x) { return name == x.descriptor->name; });
    auto loaded = std::make_unique<Loaded>();
    loaded->descriptor = c.descriptor;
    loaded->file = c.file;
    loaded->name = name;
    loaded->plugin = c.descriptor->create();
    if (!loaded->plugin) throw PluginError(c.file + ": plugin '" + name + "' failed to construct");
    YAML::Node raw = c.config ? c.config : YAML::Node(YAML::NodeType::Map);
    if (raw.IsNull()) raw = YAML::Node(YAML::NodeType::Map);
    loaded->config = validate(raw, loaded->plugin->configSchema(), origin);
    plugins_.push_back(std::move(loaded));
  }
}

void PluginHost::start(const BackEnds& backEnds) {
  for (; started_ < plugins_.size(); ++started_) {
    auto& p = *plugins_[started_];
    auto logger = logging_.make(p.name);
    p.context = std::make_unique<Context>(p.name, p.config, logger, routes_, docs_, *services_, backEnds, commands_,
                                          reservedFlags_);
    try {
      logger->info("starting plugin {} {} ({})", p.name, p.descriptor->version, p.file);
      p.plugin->start(*p.context);
    } catch (const std::exception& e) {
      std::string message = "plugin '" + p.name + "' failed to start: " + e.what();
      stop();
      throw PluginError(message);
    } catch (...) {
      stop();
      throw PluginError("plugin '" + p.name + "' failed to start");
    }
  }
}

const PluginHost::Command* PluginHost::command(const std::string& flag) const {
  auto it = commands_.find(flag);
  return it == commands_.end() ? nullptr : &it->second;
}

void PluginHost::stop() {
  while (started_ > 0) {
    auto& p = *plugins_[--started_];
    try {
      p.plugin->stop();
      if (p.context) p.context->logger()->info("stopped plugin {}", p.name);
    } catch (const std::exception& e) {
      if (p.context) p.context->logger()->error("plugin {} failed to stop cleanly: {}", p.name, e.what());
    } catch (...) {
      if (p.context) p.context->logger()->error("plugin {} failed to stop cleanly", p.name);
    }
  }
  services_->clear();
  commands_.clear();
}

}  // namespace mmm::core
