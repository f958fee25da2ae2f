// A scope around a wait on a worker pool's thread (see worker_pool.hpp), in a header of its
// own so that what waits (the connection pools, the store) need not include the pool.
#pragma once

#include <cstddef>

namespace mmm::core {

class WorkerPool;

/// Marks a wait on the current thread (a database or Redis round trip, a free connection):
/// a pool worker does not count among those running while it lasts. Off a pool's threads,
/// or in a pool without a cap, it does nothing; nor with `waits` false. Scopes nest.
class Waiting {
 public:
  explicit Waiting(bool waits = true);
  ~Waiting();
  Waiting(const Waiting&) = delete;
  Waiting& operator=(const Waiting&) = delete;

 private:
  WorkerPool* pool_;
  std::size_t index_;
};

}  // namespace mmm::core
