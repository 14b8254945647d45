// emulator/ — a local AWS Cloud Control API: AWS JSON 1.0 over HTTP/1.1 (keep-alive), SigV4 checked on every
// request, every type of the installed provider served from its CloudFormation schema.
//
// Promises:
//  - The 8 Cloud Control operations with AWS's shapes, error codes, HTTP statuses and headers
//    (x-amzn-RequestId, x-amzn-ErrorType), so the AWS CLI, botocore and skyql's own client work unchanged.
//  - DesiredState / patched models validated against the type's schema (provider/validate.h);
//    readOnly properties generated, writeOnly never returned, createOnly changes refused.
//  - Mutations are asynchronous (IN_PROGRESS, then SUCCESS after async_ms), idempotent per ClientToken,
//    persisted in SQLite (WAL) before they are acknowledged; a restart on the same state dir carries on.
//  - Faults (latency, throttling, failures) are drawn from a generator seeded with `seed`.
// Usable in-process: start() on port 0 returns the bound port; stop() ends serving and joins the threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace skyql::emulator {

// Original CloudFormation schema of a type name; nullopt when the type is unknown.
using SchemaSource = std::function<std::optional<nlohmann::json>(const std::string& type_name)>;

struct Options {
  std::string host = "127.0.0.1";
  int port = 4566;              // 0: any free port (see Emulator::start)
  std::string state_dir;        // SQLite state in <state_dir>/emulator.db; empty: in memory
  std::string account = "123456789012";
  std::vector<std::pair<std::string, std::string>> credentials{{"test", "test"}};  // key id, secret
  int latency_ms = 0;           // added to every request
  int async_ms = 0;             // time a mutation stays IN_PROGRESS; 0 completes at once
  double throttle_rate = 0;     // share of requests refused with ThrottlingException
  double fail_rate = 0;         // share failing with HandlerInternalFailure (502) or a FAILED progress event
  uint64_t seed = 0;            // seeds the fault generator, so a run is reproducible
  // Every call of an operation ("CreateResource", or "*" for all) fails with a modeled Cloud Control
  // error ("ServiceLimitExceededException"), with AWS's status for it: lets clients test error paths
  // that a healthy service never takes (GeneralService, InvalidCredentials, NetworkFailure, ...).
  std::vector<std::pair<std::string, std::string>> inject_errors;
  int threads = 64;             // HTTP worker threads (one per keep-alive connection in use)
  std::string home;             // provider home (default provider::default_home()) when no schema_source
  SchemaSource schema_source;   // overrides the installed provider (tests)
};

// HTTP status AWS sends with a Cloud Control error code; 0 when the code is not one of Cloud Control's.
int error_status(const std::string& code);

class Emulator {
 public:
  explicit Emulator(Options options);
  ~Emulator();  // stops if running
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Opens the state and the provider, binds and serves on background threads. Returns the bound port.
  // Throws std::runtime_error naming what failed (port in use, provider not installed, state unreadable).
  int start();
  void stop();
  int port() const;
  std::string endpoint() const;  // "http://127.0.0.1:<port>"

  // Handles one already-authenticated call without HTTP (used by the server and by unit tests).
  struct Reply {
    int status = 200;
    nlohmann::json body;
    std::string error_code;  // empty on success
  };
  Reply call(const std::string& operation, const nlohmann::json& request, const std::string& region = "us-east-1");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skyql::emulator
