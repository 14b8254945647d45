#include "http/adaptive_limiter.h"

#include <algorithm>

namespace skyql::http {

AdaptiveLimiter::AdaptiveLimiter(int global_max, int per_key_max, std::chrono::milliseconds decrease_cooldown)
    : global_max_(std::max(1, global_max)), per_key_max_(std::max(1, per_key_max)), cooldown_(decrease_cooldown) {
  global_.limit = global_max_;
}

AdaptiveLimiter::Permit& AdaptiveLimiter::Permit::operator=(Permit&& o) noexcept {
  if (this != &o) {
    release();
    owner_ = o.owner_;
    key_ = std::move(o.key_);
    o.owner_ = nullptr;
  }
  return *this;
}

void AdaptiveLimiter::Permit::release() {
  if (owner_) owner_->release(key_);
  owner_ = nullptr;
}

AdaptiveLimiter::Window& AdaptiveLimiter::key_window(const std::string& key) {
  auto [it, inserted] = keys_.try_emplace(key);
  if (inserted) it->second.limit = per_key_max_;
  return it->second;
}

AdaptiveLimiter::Permit AdaptiveLimiter::acquire(const std::string& key) {
  std::unique_lock lock(mutex_);
  Window& w = key_window(key);
  cv_.wait(lock, [&] {
    return global_.in_flight < static_cast<int>(global_.limit) && w.in_flight < static_cast<int>(w.limit);
  });
  ++global_.in_flight;
  ++w.in_flight;
  return Permit(this, key);
}

void AdaptiveLimiter::release(const std::string& key) {
  {
    std::lock_guard lock(mutex_);
    --global_.in_flight;
    --key_window(key).in_flight;
  }
  cv_.notify_all();
}

void AdaptiveLimiter::on_throttle(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  Window& w = key_window(key);
  if (now - w.last_decrease >= cooldown_) {
    w.limit = std::max(1.0, w.limit / 2);
    w.last_decrease = now;
  }
  if (now - global_.last_decrease >= cooldown_) {
    global_.limit = std::max(1.0, global_.limit * 0.75);
    global_.last_decrease = now;
  }
}

void AdaptiveLimiter::on_success(const std::string& key) {
  bool grew = false;
  {
    std::lock_guard lock(mutex_);
    Window& w = key_window(key);
    int before = static_cast<int>(w.limit) + static_cast<int>(global_.limit);
    w.limit = std::min<double>(per_key_max_, w.limit + 1.0 / w.limit);
    global_.limit = std::min<double>(global_max_, global_.limit + 1.0 / global_.limit);
    grew = static_cast<int>(w.limit) + static_cast<int>(global_.limit) != before;
  }
  if (grew) cv_.notify_all();
}

int AdaptiveLimiter::global_limit() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(global_.limit);
}

int AdaptiveLimiter::key_limit(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = keys_.find(key);
  return it == keys_.end() ? per_key_max_ : static_cast<int>(it->second.limit);
}

int AdaptiveLimiter::in_flight() const {
  std::lock_guard lock(mutex_);
  return global_.in_flight;
}

}  // namespace skyql::http
