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
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cerrno>
#include <climits>
#include <cstring>
#include <iterator>
#include <mutex>
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
  std::string configText;  // the validated config as YAML text: a reload compares these
  std::vector<std::string> requires_, optional;
  std::unique_ptr<PluginServices> services;
  std::unique_ptr<Context> context;
  Plugin* plugin = nullptr;
  bool started = false;
  ~Loaded() {
    if (plugin) descriptor->destroy(plugin);
  }
};

// A library file as it was when loaded: a file replaced since (another inode, size or
// modification time) is loaded afresh.
struct PluginHost::Library {
  const mmm_plugin_descriptor* descriptor = nullptr;
  std::string problem;  // why it cannot be used (no entry, no descriptor), if so
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  struct timespec modified {};
  bool same(const struct stat& st) const {
    return st.st_dev == device && st.st_ino == inode && st.st_size == size && st.st_mtim.tv_sec == modified.tv_sec &&
           st.st_mtim.tv_nsec == modified.tv_nsec;
  }
};

class PluginHost::Context final : public Host {
 public:
  Context(std::string name, YAML::Node config, std::shared_ptr<spdlog::logger> logger,
          const RouteSink& routes, const DocSink& docs, PluginServices& services, const BackEnds& backEnds,
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
    std::lock_guard lock(starting_);
    requireStarting(method, pattern);
    routes_(name_, method, pattern, std::move(handler));
  }
  Services& services() override { return services_; }
  Store& store() override { return backEnds_.store; }
  Sessions& sessions() override { return backEnds_.sessions; }
  Bus& bus() override { return backEnds_.bus; }
  Pusher& pusher() override { return backEnds_.pusher; }
  void route(const std::string& method, const std::string& pattern, Handler handler, const RateLimit& limit) override {
    if (limit.off()) return route(method, pattern, std::move(handler));
    std::lock_guard lock(starting_);
    requireStarting(method, pattern);
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
  void onPresence(PresenceHandler handler) override { backEnds_.clientFrames.watchPresence(name_, std::move(handler)); }
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

  /// Called once the plugin's start() has returned: the routes are published then, and a
  /// route added later would not serve until some reload published it again. A route
  /// being added on another thread of the plugin's is in before this returns.
  void started() {
    std::lock_guard lock(starting_);
    started_ = true;
  }

 private:
  void requireStarting(const std::string& method, const std::string& pattern) const {
    if (started_)
      throw std::logic_error("plugin '" + name_ + "': route " + method + " " + pattern +
                             " added after start() returned; routes are added in start()");
  }

  std::mutex starting_;  // held by route() and started(): a plugin's thread may add a route at any time
  bool started_ = false;
  std::map<std::string, Command>& commands_;
  const std::vector<std::string>& reservedFlags_;
  std::string name_;
  YAML::Node config_;
  std::shared_ptr<spdlog::logger> logger_;
  const RouteSink& routes_;
  const DocSink& docs_;
  PluginServices& services_;
  BackEnds backEnds_;
};


PluginHost::PluginHost(const Logging& logging, RouteSink routes, StopSink stopped, DocSink docs)
    : logging_(logging),
      routes_(std::move(routes)),
      stopped_(std::move(stopped)),
      docs_(std::move(docs)),
      services_(std::make_unique<ServiceRegistry>()) {}

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

namespace {

// Copies `file` into an anonymous memory file and returns a path dlopen takes for it. The
// loader knows a library by its name and by its file's identity, so loading `file` again
// would hand back the copy loaded before: a fresh name and a fresh inode load it anew. The
// descriptor stays open for the life of the process, so its name is never reused.
std::string freshCopy(const std::string& file, const std::string& name) {
  int in = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw PluginError("cannot read " + file + ": " + std::strerror(errno));
  int out = ::memfd_create(("mmm-plugin-" + name).c_str(), MFD_CLOEXEC);
  if (out < 0) {
    const int error = errno;
    ::close(in);
    throw PluginError("cannot copy " + file + " to load it afresh: memfd_create: " + std::strerror(error));
  }
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(in, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(in);
      if (n < 0) {
        ::close(out);
        throw PluginError("cannot read " + file);
      }
      break;
    }
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out, buffer + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        ::close(in);
        ::close(out);
        throw PluginError("cannot copy " + file + " to load it afresh");
      }
      done += w;
    }
  }
  return "/proc/self/fd/" + std::to_string(out);
}

}  // namespace

// The descriptor of `entry`'s plugin: a static one, or the library's (loaded now, or the
// one loaded before if its file did not change since). Sets `file`.
const mmm_plugin_descriptor* PluginHost::resolve(const PluginEntry& entry, std::string& file) {
  if (entry.library.empty())
    for (auto* d : static_)
      if (d->name && entry.name == d->name) {
        file = "(static)";
        return d;
      }
  file = entry.library.empty() ? "libmmm_" + entry.name + ".so" : entry.library;
  if (file.find('/') == std::string::npos) file = executableDirectory() + "/" + file;
  if (auto problem = elfLoadProblem(file))
    throw PluginError(entry.where + ": cannot load plugin '" + entry.name + "' from " + file + ": " + *problem);
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    throw PluginError(entry.where + ": cannot load plugin '" + entry.name + "' from " + file + ": " +
                      std::strerror(errno));
  auto& known = libraries_[file];
  if (known && known->same(st)) {
    if (!known->problem.empty()) throw PluginError(known->problem);
    return known->descriptor;
  }
  // RTLD_LOCAL keeps each plugin's symbols to itself; it is never dlclose'd.
  const std::string path = known ? freshCopy(file, entry.name) : file;
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* error = ::dlerror();
    throw PluginError(entry.where + ": cannot load plugin '" + entry.name + "' from " + file + ": " +
                      (error ? error : "unknown error"));
  }
  // Loaded now, whatever it holds: the loader would hand this copy back for `file`, so a
  // file put in its place later is loaded afresh (above), even if this one is refused.
  auto library = std::make_unique<Library>();
  library->device = st.st_dev;
  library->inode = st.st_ino;
  library->size = st.st_size;
  library->modified = st.st_mtim;
  auto entryFn = reinterpret_cast<mmm_plugin_entry_fn>(::dlsym(handle, MMM_PLUGIN_ENTRY_SYMBOL));
  if (!entryFn)
    library->problem = file + ": plugin '" + entry.name + "' has no entry symbol " + MMM_PLUGIN_ENTRY_SYMBOL +
                       " (is it an mmm plugin?)";
  else if (!(library->descriptor = entryFn()))
    library->problem = file + ": plugin '" + entry.name + "' returned no descriptor";
  known = std::move(library);
  if (!known->problem.empty()) throw PluginError(known->problem);
  return known->descriptor;
}

std::unique_ptr<PluginHost::Loaded> PluginHost::instantiate(const mmm_plugin_descriptor* descriptor,
                                                            const std::string& file, const std::string& name,
                                                            const YAML::Node& config, const std::string& origin) {
  auto loaded = std::make_unique<Loaded>();
  loaded->descriptor = descriptor;
  loaded->file = file;
  loaded->name = name;
  loaded->requires_ = splitList(descriptor->requires_);
  loaded->optional = splitList(descriptor->optional);
  loaded->plugin = descriptor->create();
  if (!loaded->plugin) throw PluginError(file + ": plugin '" + name + "' failed to construct");
  YAML::Node raw = config ? config : YAML::Node(YAML::NodeType::Map);
  if (raw.IsNull()) raw = YAML::Node(YAML::NodeType::Map);
  loaded->config = validate(raw, loaded->plugin->configSchema(), origin);
  YAML::Emitter text;
  text << loaded->config;
  loaded->configText = text.c_str();
  return loaded;
}

// The plugins `entries` enable (and the static ones they do not name), created and
// configured, in start order.
struct PluginHost::Plan {
  std::vector<std::unique_ptr<Loaded>> plugins;  // start order
  std::vector<std::string> order;
  std::vector<PluginEntry> entries;
  PluginChange change;
};

void PluginHost::load(const std::vector<PluginEntry>& entries, const std::string& origin) {
  if (!plugins_.empty() || !order_.empty()) return;  // loaded already
  auto plan = prepare(entries, origin);
  plugins_ = std::move(plan->plugins);
  order_ = std::move(plan->order);
  entries_ = std::move(plan->entries);
}

std::shared_ptr<PluginHost::Plan> PluginHost::prepare(const std::vector<PluginEntry>& entries,
                                                      const std::string& origin) {
  struct Candidate {
    const mmm_plugin_descriptor* descriptor;
    std::string file;
    YAML::Node config;
  };
  std::vector<Candidate> candidates;
  std::set<std::string> seen;
  for (const auto& entry : entries) {
    if (!seen.insert(entry.name).second)
      throw ConfigError(entry.where + ": plugin '" + entry.name + "' is listed twice");
    if (!entry.enabled) continue;
    std::string file;
    const mmm_plugin_descriptor* descriptor = resolve(entry, file);
    if (auto problem = checkDescriptor(*descriptor, file, entry.name)) throw PluginError(*problem);
    if (entry.name != descriptor->name)
      throw PluginError(entry.where + ": " + file + " is plugin '" + descriptor->name + "', not '" + entry.name + "'");
    candidates.push_back({descriptor, file, entry.config});
  }
  // Statically registered plugins not named in the config are enabled.
  for (auto* d : static_) {
    if (auto problem = checkDescriptor(*d, "(static)", d->abi_major == MMM_ABI_MAJOR && d->name ? d->name : "?"))
      throw PluginError(*problem);
    if (seen.count(d->name)) continue;
    seen.insert(d->name);
    candidates.push_back({d, "(static)", YAML::Node()});
  }

  std::vector<PluginNode> nodes;
  for (const auto& c : candidates)
    nodes.push_back({c.descriptor->name, splitList(c.descriptor->requires_), splitList(c.descriptor->optional)});
  auto plan = std::make_shared<Plan>();
  plan->order = startOrder(nodes);
  plan->entries = entries;
  for (const auto& name : plan->order) {
    const auto& c = *std::find_if(candidates.begin(), candidates.end(),
                                  [&](const Candidate& x) { return name == x.descriptor->name; });
    plan->plugins.push_back(instantiate(c.descriptor, c.file, name, c.config, origin));
  }

  // What changes: plugins enabled, disabled, or whose library or config changed…
  auto& change = plan->change;
  std::set<std::string> affected;
  std::map<std::string, const Loaded*> running, next;
  for (const auto& p : plugins_)
    if (p->started) running[p->name] = p.get();
  for (const auto& p : plan->plugins) next[p->name] = p.get();
  for (const auto& [name, p] : next) {
    auto it = running.find(name);
    if (it == running.end()) {
      change.started.push_back(name);
      change.why[name] = "enabled";
    } else if (it->second->descriptor != p->descriptor || it->second->file != p->file) {
      change.why[name] = "its library changed";
    } else if (it->second->configText != p->configText) {
      change.why[name] = "its config changed";
    } else {
      continue;
    }
    affected.insert(name);
  }
  for (const auto& [name, p] : running)
    if (!next.count(name)) {
      change.stopped.push_back(name);
      change.why[name] = "disabled";
      affected.insert(name);
    }
  // …and every plugin that uses one of those (it holds their services), before or after.
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto* side : {&running, &next})
      for (const auto& [name, p] : *side) {
        if (affected.count(name)) continue;
        for (const auto* deps : {&p->requires_, &p->optional})
          for (const auto& dep : *deps)
            if (affected.count(dep) && !affected.count(name)) {
              affected.insert(name);
              change.why[name] = "it uses " + dep;
              grew = true;
            }
      }
  }
  for (const auto& name : plan->order)
    if (affected.count(name) && running.count(name)) change.restarted.push_back(name);
  return plan;
}

const PluginChange& PluginHost::change(const Plan& plan) const { return plan.change; }

void PluginHost::startOne(Loaded& p) {
  auto logger = logging_.make(p.name);
  p.services = std::make_unique<PluginServices>(*services_, p.name);
  p.context = std::make_unique<Context>(p.name, p.config, logger, routes_, docs_, *p.services, *backEnds_, commands_,
                                        reservedFlags_);
  logger->info("starting plugin {} {} ({})", p.name, p.descriptor->version, p.file);
  try {
    p.plugin->start(*p.context);
    p.context->started();
  } catch (const std::exception& e) {
    std::string message = "plugin '" + p.name + "' failed to start: " + e.what();
    forget(p);
    throw PluginError(message);
  } catch (...) {
    forget(p);
    throw PluginError("plugin '" + p.name + "' failed to start");
  }
  p.started = true;
}

void PluginHost::stopOne(Loaded& p) {
  if (!p.started) return;
  p.started = false;
  try {
    p.plugin->stop();
    if (p.context) p.context->logger()->info("stopped plugin {}", p.name);
  } catch (const std::exception& e) {
    if (p.context) p.context->logger()->error("plugin {} failed to stop cleanly: {}", p.name, e.what());
  } catch (...) {
    if (p.context) p.context->logger()->error("plugin {} failed to stop cleanly", p.name);
  }
  forget(p);
}

// Lets go of what `p` registered: its services, client frames, commands and (through the
// stop sink) routes.
void PluginHost::forget(Loaded& p) {
  services_->removeOwner(p.name);
  if (backEnds_) backEnds_->clientFrames.release(p.name);
  for (auto it = commands_.begin(); it != commands_.end();)
    it = it->second.plugin == p.name ? commands_.erase(it) : std::next(it);
  if (stopped_) stopped_(p.name);
}

void PluginHost::start(const BackEnds& backEnds) {
  backEnds_ = std::make_unique<BackEnds>(backEnds);
  for (auto& p : plugins_) {
    if (p->started) continue;
    try {
      startOne(*p);
    } catch (...) {
      stop();
      throw;
    }
  }
}

void PluginHost::apply(std::shared_ptr<Plan> plan) {
  if (!backEnds_) throw std::logic_error("PluginHost::apply before start");
  const auto& change = plan->change;
  auto changed = [&](const std::string& name) { return change.why.count(name) > 0; };
  // Stop what changes, dependants first; keep enough to start it again as it was.
  struct Old {
    const mmm_plugin_descriptor* descriptor;
    std::string file, name;
    YAML::Node config;
  };
  std::vector<Old> stopped;
  for (auto it = plugins_.rbegin(); it != plugins_.rend(); ++it)
    if ((*it)->started && changed((*it)->name)) {
      stopOne(**it);
      stopped.push_back({(*it)->descriptor, (*it)->file, (*it)->name, (*it)->config});
    }
  std::reverse(stopped.begin(), stopped.end());  // start order
  std::vector<std::unique_ptr<Loaded>> kept = std::move(plugins_);
  plugins_.clear();
  const auto oldOrder = order_;
  const auto oldEntries = entries_;
  // The new set in its start order: the unchanged plugins as they run, the others new.
  for (auto& fresh : plan->plugins) {
    auto same = std::find_if(kept.begin(), kept.end(), [&](const auto& p) { return p && p->name == fresh->name; });
    if (!changed(fresh->name) && same != kept.end() && (*same)->started)
      plugins_.push_back(std::move(*same));
    else
      plugins_.push_back(std::move(fresh));
  }
  // The stopped plugins' objects go, dependants first (their libraries stay loaded).
  while (!kept.empty()) kept.pop_back();
  order_ = plan->order;
  entries_ = plan->entries;
  try {
    for (auto& p : plugins_)
      if (!p->started) startOne(*p);
  } catch (const std::exception& e) {
    // Back to what ran: stop what this started, start what it stopped, as it was.
    for (auto it = plugins_.rbegin(); it != plugins_.rend(); ++it)
      if ((*it)->started && changed((*it)->name)) stopOne(**it);
    std::vector<std::unique_ptr<Loaded>> restored;
    for (auto& p : plugins_)
      if (p->started) restored.push_back(std::move(p));
    while (!plugins_.empty()) plugins_.pop_back();  // dependants first
    entries_ = oldEntries;
    std::set<std::string> running;
    std::vector<std::string> off;
    for (const auto& name : oldOrder) {
      auto same = std::find_if(restored.begin(), restored.end(), [&](const auto& p) { return p && p->name == name; });
      if (same != restored.end()) {
        running.insert(name);
        plugins_.push_back(std::move(*same));
        continue;
      }
      auto old = std::find_if(stopped.begin(), stopped.end(), [&](const Old& o) { return o.name == name; });
      if (old == stopped.end()) continue;
      try {
        auto again = instantiate(old->descriptor, old->file, old->name, old->config, "(as it ran)");
        for (const auto& dep : again->requires_)
          if (!running.count(dep)) throw PluginError("it requires plugin '" + dep + "', which is off");
        startOne(*again);
        running.insert(name);
        plugins_.push_back(std::move(again));
      } catch (const std::exception& again) {
        off.push_back(name);
        logging_.make(name)->critical("plugin {} did not start again after a failed reload, so it is off: {}", name,
                                      again.what());
      }
    }
    order_.clear();
    for (const auto& p : plugins_) order_.push_back(p->name);
    std::string offText;
    for (const auto& name : off) offText += (offText.empty() ? "" : ", ") + name;
    throw PluginError(std::string(e.what()) + (off.empty() ? "; the plugins run as before"
                                                            : "; the plugins run as before but for " + offText +
                                                                  ", which could not start again and are off"));
  }
}

std::vector<PluginState> PluginHost::states() const {
  std::vector<PluginState> out;
  std::set<std::string> listed;
  for (const auto& p : plugins_) {
    out.push_back({p->name, p->descriptor->version, p->file, p->started ? "running" : "stopped"});
    listed.insert(p->name);
  }
  for (const auto& entry : entries_)
    if (!listed.count(entry.name)) out.push_back({entry.name, "", entry.library, entry.enabled ? "stopped" : "disabled"});
  return out;
}

const PluginHost::Command* PluginHost::command(const std::string& flag) const {
  auto it = commands_.find(flag);
  return it == commands_.end() ? nullptr : &it->second;
}

void PluginHost::stop() {
  for (auto it = plugins_.rbegin(); it != plugins_.rend(); ++it) stopOne(**it);
  services_->clear();
  commands_.clear();
}

}  // namespace mmm::core
