// deploy/engine_runner — the StatementRunner seam over sql::Engine (internal to deploy/ and cli/).
#pragma once

#include <memory>
#include <string>

#include "deploy/deploy.h"

namespace skyql::sql {
class Engine;
}

namespace skyql::deploy {

// Runs each `;`-separated statement of an anchor through the engine. INSERT / UPDATE / DELETE without an
// AWAIT hint get one, so every mutation has finished (or failed with the handler's error) when run()
// returns. Engine errors become StatementError with the AWS error code when the message carries one.
class EngineRunner : public StatementRunner {
 public:
  explicit EngineRunner(sql::Engine& engine) : engine_(engine) {}
  output::ResultSet run(const std::string& sql) override;

 private:
  sql::Engine& engine_;
};

// `sql` with `/*+ AWAIT */` put before a mutation that has no AWAIT hint; other statements unchanged.
std::string with_await(const std::string& sql);

}  // namespace skyql::deploy
