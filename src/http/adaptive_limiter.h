// http/adaptive_limiter — how many requests may be in flight, globally and per key (an AWS region).
//
// Promises: acquire() blocks until both the global and the key's limit have room. Limits behave like
// TCP congestion control (AIMD): a throttling answer halves the key's limit and cuts the global one by a
// quarter (at most once per cool-down, so one burst of throttles counts once); every success adds
// 1/limit, so a limit grows back by one per "window" of successful requests, up to its maximum.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

namespace skyql::http {

class AdaptiveLimiter {
 public:
  AdaptiveLimiter(int global_max, int per_key_max,
                  std::chrono::milliseconds decrease_cooldown = std::chrono::milliseconds(200));

  class Permit {
   public:
    Permit() = default;
    Permit(AdaptiveLimiter* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    Permit(Permit&& o) noexcept : owner_(o.owner_), key_(std::move(o.key_)) { o.owner_ = nullptr; }
    Permit& operator=(Permit&& o) noexcept;
    ~Permit() { release(); }
    void release();

   private:
    AdaptiveLimiter* owner_ = nullptr;
    std::string key_;
  };

  Permit acquire(const std::string& key);
  void on_throttle(const std::string& key);
  void on_success(const std::string& key);

  int global_limit() const;
  int key_limit(const std::string& key) const;
  int in_flight() const;

 private:
  struct Window {
    double limit = 1;
    int in_flight = 0;
    std::chrono::steady_clock::time_point last_decrease{};
  };
  Window& key_window(const std::string& key);
  void release(const std::string& key);

  const int global_max_;
  const int per_key_max_;
  const std::chrono::milliseconds cooldown_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  Window global_;
  std::map<std::string, Window> keys_;
};

}  // namespace skyql::http
