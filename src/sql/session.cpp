#include "sql/session.h"

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

namespace skyql::sql {

void parallel_for(size_t n, int width, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  const size_t threads = std::min<size_t>(n, static_cast<size_t>(std::max(1, width)));
  if (threads == 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) {
        try {
          fn(i);
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!first_error) first_error = std::current_exception();
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  if (first_error) std::rethrow_exception(first_error);
}

std::string describe_aws_error(const std::string& operation, const std::string& type_name,
                               const std::string& region, const std::exception& e) {
  std::string where = operation + " " + type_name + (region.empty() ? "" : " in " + region);
  if (const auto* ce = dynamic_cast<const aws::CloudControlError*>(&e)) {
    return where + ": " + ce->code + ": " + ce->aws_message;
  }
  return where + ": " + e.what();
}

Session::Session(const provider::Store& store, std::shared_ptr<aws::CloudControlClient> client,
                 EngineOptions options)
    : store_(store), client_(std::move(client)), options_(std::move(options)) {}

void Session::begin_statement(bool await, const std::string& dml_target) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++generation_;
  await_ = await;
  dml_target_ = dml_target;
  get_cache_.clear();
  list_cache_.clear();
  events_.clear();
  planned_.clear();
}

const provider::Resource& Session::resource(const std::string& service, const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string key = service + "." + name;
  auto it = resources_.find(key);
  if (it == resources_.end()) {
    auto r = std::make_unique<provider::Resource>(store_.resource(service, name));
    it = resources_.emplace(key, std::move(r)).first;
  }
  return *it->second;
}

aws::CloudControlClient& Session::client() {
  if (!client_) throw SqlError("no Cloud Control client configured (this engine runs only meta statements)");
  return *client_;
}

void Session::plan(const std::string& operation, const std::string& region, const std::string& type_name,
                   const std::string& identifier, const nlohmann::json& body) {
  std::lock_guard<std::mutex> lock(mutex_);
  planned_.push_back({operation, region, type_name, identifier, body.is_null() ? "" : body.dump()});
}

std::shared_ptr<const nlohmann::json> Session::get(const std::string& region, const std::string& type_name,
                                                   const std::string& identifier) {
  if (options_.dry_run) {
    plan("GetResource", region, type_name, identifier, nullptr);
    return nullptr;
  }
  const std::string key = region + '\n' + type_name + '\n' + identifier;
  std::promise<std::shared_ptr<const nlohmann::json>> promise;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    auto it = get_cache_.find(key);
    if (it != get_cache_.end()) {
      auto future = it->second;
      lock.unlock();
      return future.get();
    }
    get_cache_.emplace(key, promise.get_future().share());
  }
  try {
    std::shared_ptr<const nlohmann::json> value;
    try {
      const auto desc = client().get_resource(region, type_name, identifier);
      value = std::make_shared<const nlohmann::json>(nlohmann::json::parse(desc.properties));
    } catch (const aws::CloudControlError& e) {
      if (!e.is_not_found()) throw SqlError(describe_aws_error("GetResource", type_name, region, e));
    } catch (const nlohmann::json::exception& e) {
      throw SqlError("GetResource " + type_name + " in " + region + ": the response's Properties are not JSON: " +
                     e.what());
    } catch (const SqlError&) {
      throw;
    } catch (const std::exception& e) {
      throw SqlError(describe_aws_error("GetResource", type_name, region, e));
    }
    promise.set_value(value);
    return value;
  } catch (...) {
    promise.set_exception(std::current_exception());
    throw;
  }
}

std::vector<aws::ResourceDescription> Session::list(const std::string& region, const std::string& type_name) {
  if (options_.dry_run) {
    plan("ListResources", region, type_name, "", nullptr);
    return {};
  }
  const std::string key = region + '\n' + type_name;
  std::promise<std::vector<aws::ResourceDescription>> promise;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    auto it = list_cache_.find(key);
    if (it != list_cache_.end()) {
      auto future = it->second;
      lock.unlock();
      return future.get();
    }
    list_cache_.emplace(key, promise.get_future().share());
  }
  try {
    std::vector<aws::ResourceDescription> value;
    try {
      value = client().list_resources(region, type_name);
    } catch (const std::exception& e) {
      throw SqlError(describe_aws_error("ListResources", type_name, region, e));
    }
    promise.set_value(value);
    return value;
  } catch (...) {
    promise.set_exception(std::current_exception());
    throw;
  }
}

namespace {
std::shared_ptr<const nlohmann::json> parse_properties(const std::string& text) {
  if (text.empty()) return std::make_shared<const nlohmann::json>(nlohmann::json::object());
  try {
    return std::make_shared<const nlohmann::json>(nlohmann::json::parse(text));
  } catch (const nlohmann::json::exception&) {
    return std::make_shared<const nlohmann::json>(nlohmann::json::object());
  }
}
}  // namespace

std::vector<Item> Session::scan(const provider::Resource& r, const std::vector<std::string>& regions, bool fetch) {
  std::vector<std::vector<aws::ResourceDescription>> listed(regions.size());
  std::vector<std::string> errors(regions.size());
  parallel_for(regions.size(), options_.concurrency, [&](size_t i) {
    try {
      listed[i] = list(regions[i], r.type_name);
    } catch (const std::exception& e) {
      errors[i] = e.what();
    }
  });
  size_t failed = 0;
  for (size_t i = 0; i < regions.size(); ++i) {
    if (errors[i].empty()) continue;
    ++failed;
    if (!options_.allow_partial) {
      std::string more = "";
      for (size_t j = i + 1; j < regions.size(); ++j)
        if (!errors[j].empty()) more += (more.empty() ? "" : ", ") + regions[j];
      throw SqlError("region " + regions[i] + " failed: " + errors[i] +
                     (more.empty() ? "" : " (also failed: " + more + ")") +
                     (regions.size() > 1 ? " — use --allow-partial to get the other regions' rows" : ""));
    }
    warn("warning: region " + regions[i] + " left out: " + errors[i]);
  }
  (void)failed;
  std::vector<Item> items;
  for (size_t i = 0; i < regions.size(); ++i)
    for (auto& d : listed[i]) items.push_back({regions[i], d.identifier, parse_properties(d.properties)});
  if (!fetch || items.empty()) return items;

  std::vector<char> keep(items.size(), 1);
  std::vector<std::string> get_errors(items.size());
  parallel_for(items.size(), options_.concurrency, [&](size_t i) {
    try {
      auto props = get(items[i].region, r.type_name, items[i].identifier);
      if (props) {
        items[i].properties = props;
      } else {
        keep[i] = 0;  // deleted between list and get
      }
    } catch (const std::exception& e) {
      get_errors[i] = e.what();
      keep[i] = 0;
    }
  });
  for (size_t i = 0; i < items.size(); ++i) {
    if (get_errors[i].empty()) continue;
    if (!options_.allow_partial) throw SqlError(get_errors[i]);
    warn("warning: " + items[i].identifier + " in " + items[i].region + " left out: " + get_errors[i]);
  }
  std::vector<Item> out;
  for (size_t i = 0; i < items.size(); ++i)
    if (keep[i]) out.push_back(std::move(items[i]));
  return out;
}

std::vector<Item> Session::lookup(const provider::Resource& r, const std::vector<std::string>& regions,
                                  const std::vector<std::string>& identifiers) {
  std::vector<Item> items;
  for (const auto& region : regions)
    for (const auto& id : identifiers) items.push_back({region, id, nullptr});
  std::vector<std::string> errors(items.size());
  parallel_for(items.size(), options_.concurrency, [&](size_t i) {
    try {
      items[i].properties = get(items[i].region, r.type_name, items[i].identifier);
    } catch (const std::exception& e) {
      errors[i] = e.what();
    }
  });
  for (size_t i = 0; i < items.size(); ++i) {
    if (errors[i].empty()) continue;
    if (!options_.allow_partial || regions.size() == 1) {
      throw SqlError(regions.size() > 1 ? "region " + items[i].region + " failed: " + errors[i] : errors[i]);
    }
    warn("warning: region " + items[i].region + " left out: " + errors[i]);
  }
  std::vector<Item> out;
  for (auto& item : items)
    if (item.properties) out.push_back(std::move(item));
  return out;
}

void Session::create(const provider::Resource& r, const std::string& region, const nlohmann::json& desired_state) {
  if (options_.dry_run) return plan("CreateResource", region, r.type_name, "", desired_state);
  aws::ProgressEvent event;
  try {
    event = client().create_resource(region, r.type_name, desired_state.dump());
  } catch (const std::exception& e) {
    throw SqlError(describe_aws_error("CreateResource", r.type_name, region, e));
  }
  finish_write(region, "CreateResource " + r.type_name, std::move(event));
}

void Session::update(const provider::Resource& r, const std::string& region, const std::string& identifier,
                     const nlohmann::json& patch) {
  if (options_.dry_run) return plan("UpdateResource", region, r.type_name, identifier, patch);
  aws::ProgressEvent event;
  try {
    event = client().update_resource(region, r.type_name, identifier, patch.dump());
  } catch (const std::exception& e) {
    throw SqlError(describe_aws_error("UpdateResource", r.type_name, region, e));
  }
  finish_write(region, "UpdateResource " + r.type_name + " '" + identifier + "'", std::move(event));
}

void Session::remove(const provider::Resource& r, const std::string& region, const std::string& identifier) {
  if (options_.dry_run) return plan("DeleteResource", region, r.type_name, identifier, nullptr);
  aws::ProgressEvent event;
  try {
    event = client().delete_resource(region, r.type_name, identifier);
  } catch (const std::exception& e) {
    throw SqlError(describe_aws_error("DeleteResource", r.type_name, region, e));
  }
  finish_write(region, "DeleteResource " + r.type_name + " '" + identifier + "'", std::move(event));
}

void Session::finish_write(const std::string& region, const std::string& what, aws::ProgressEvent event) {
  if (await_ && event.operation_status != "SUCCESS" && event.operation_status != "FAILED") {
    std::ostream& out = options_.diagnostics ? *options_.diagnostics : std::cerr;
    const bool tty = options_.diagnostics_tty;
    const auto started = std::chrono::steady_clock::now();
    std::string last_status;
    aws::AwaitOptions await_options;
    // Cloud Control usually sends RetryAfter; without it, start polling soon (emulators finish fast).
    await_options.initial_delay = std::chrono::milliseconds(250);
    await_options.max_delay = std::chrono::milliseconds(10000);
    await_options.on_progress = [&](const aws::ProgressEvent& e) {
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      char elapsed[32];
      std::snprintf(elapsed, sizeof elapsed, "%.1fs", secs);
      const std::string line = "awaiting " + what + " in " + region + ": " + e.operation_status + " (" +
                               elapsed + ")";
      if (tty) {
        out << "\r\033[K" << line << std::flush;
      } else if (e.operation_status != last_status) {
        out << line << '\n' << std::flush;
      }
      last_status = e.operation_status;
    };
    await_options.on_progress(event);  // the status the request started with
    try {
      event = client().await(region, event, await_options);
    } catch (const std::exception& e) {
      if (tty) out << '\n';
      throw SqlError("awaiting " + what + " in " + region + " (request " + event.request_token + "): " + e.what());
    }
    if (tty) out << "\r\033[K" << "awaited " << what << " in " << region << ": " << event.operation_status << '\n'
                 << std::flush;
  }
  if (await_ && event.operation_status == "FAILED") {
    throw SqlError(what + " in " + region + " FAILED: " +
                   (event.error_code.empty() ? "" : event.error_code + ": ") + event.status_message +
                   " (request " + event.request_token + ")");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  events_.emplace_back(region, std::move(event));
}

std::vector<std::pair<std::string, aws::ProgressEvent>> Session::take_events() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(events_, {});
}

std::vector<PlannedCall> Session::take_planned() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(planned_, {});
}

void Session::warn(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::ostream& out = options_.diagnostics ? *options_.diagnostics : std::cerr;
  out << line << '\n' << std::flush;
}

}  // namespace skyql::sql
