// Internal to emulator/: the Cloud Control operations over the emulator's state (no HTTP, no signatures).
#pragma once

#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "emulator/emulator.h"

namespace skyql::emulator {

// An AWS error as the service reports it: HTTP status and the unqualified error code.
struct ApiError : std::runtime_error {
  ApiError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status(status), code(std::move(code)) {}
  int status;
  std::string code;
};

class Service {
 public:
  explicit Service(const Options& options);  // opens the state; throws std::runtime_error
  ~Service();
  // Runs `operation` ("GetResource", ...) for the caller's account and region; throws ApiError.
  nlohmann::json handle(const std::string& operation, const nlohmann::json& request, const std::string& region);
  // Draw from the seeded fault generator, in [0, 1).
  double draw();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skyql::emulator
