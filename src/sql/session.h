// sql/session — internal: what the virtual tables share with the engine during one statement.
// The statement cache, fan-out, dry-run recording and the ProgressEvents of writes live here, so the
// virtual table code stays about SQLite and the engine about statements.
#pragma once

#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/cloudcontrol.h"
#include "provider/provider.h"
#include "sql/engine.h"

namespace skyql::sql {

// One resource as a row source: where it lives, its identifier and (once fetched) its properties.
struct Item {
  std::string region;
  std::string identifier;
  std::shared_ptr<const nlohmann::json> properties;  // nullptr = not fetched (or not found)
};

// Runs fn(0..n-1) on at most `width` threads; the first exception is rethrown after all finish.
void parallel_for(size_t n, int width, const std::function<void(size_t)>& fn);

class Session {
 public:
  Session(const provider::Store& store, std::shared_ptr<aws::CloudControlClient> client, EngineOptions options);

  const provider::Store& store() const { return store_; }
  const EngineOptions& options() const { return options_; }
  EngineOptions& mutable_options() { return options_; }

  // Statement lifecycle: the cache, events and planned calls belong to one statement.
  void begin_statement(bool await, const std::string& dml_target);
  uint64_t generation() const { return generation_; }
  bool await() const { return await_; }
  const std::string& dml_target() const { return dml_target_; }

  // The resource model, loaded once per engine.
  const provider::Resource& resource(const std::string& service, const std::string& name);

  // Reads (cached per statement, concurrent-safe). get: nullptr when the resource does not exist.
  std::shared_ptr<const nlohmann::json> get(const std::string& region, const std::string& type_name,
                                            const std::string& identifier);
  std::vector<aws::ResourceDescription> list(const std::string& region, const std::string& type_name);

  // Lists every region concurrently, then (when `fetch` is set) gets every item concurrently.
  // A failing region fails the statement (naming the region) unless allow_partial, which warns instead.
  std::vector<Item> scan(const provider::Resource& r, const std::vector<std::string>& regions, bool fetch);
  // Gets (region, identifier) pairs concurrently; missing resources are left out.
  std::vector<Item> lookup(const provider::Resource& r, const std::vector<std::string>& regions,
                           const std::vector<std::string>& identifiers);

  // Writes; each records its ProgressEvent (or, dry-run, the planned call) for the statement's result.
  void create(const provider::Resource& r, const std::string& region, const nlohmann::json& desired_state);
  void update(const provider::Resource& r, const std::string& region, const std::string& identifier,
              const nlohmann::json& patch);
  void remove(const provider::Resource& r, const std::string& region, const std::string& identifier);

  std::vector<std::pair<std::string, aws::ProgressEvent>> take_events();  // (region, event)
  std::vector<PlannedCall> take_planned();
  void warn(const std::string& line);

 private:
  aws::CloudControlClient& client();
  void plan(const std::string& operation, const std::string& region, const std::string& type_name,
            const std::string& identifier, const nlohmann::json& body);
  void finish_write(const std::string& region, const std::string& what, aws::ProgressEvent event);

  const provider::Store& store_;
  std::shared_ptr<aws::CloudControlClient> client_;
  EngineOptions options_;

  std::mutex mutex_;
  uint64_t generation_ = 0;
  bool await_ = false;
  std::string dml_target_;
  std::map<std::string, std::unique_ptr<provider::Resource>> resources_;
  std::map<std::string, std::shared_future<std::shared_ptr<const nlohmann::json>>> get_cache_;
  std::map<std::string, std::shared_future<std::vector<aws::ResourceDescription>>> list_cache_;
  std::vector<std::pair<std::string, aws::ProgressEvent>> events_;
  std::vector<PlannedCall> planned_;
};

// "ListResources AWS::Events::Connection in us-east-1: ThrottlingException: Rate exceeded"
std::string describe_aws_error(const std::string& operation, const std::string& type_name,
                               const std::string& region, const std::exception& e);

}  // namespace skyql::sql
