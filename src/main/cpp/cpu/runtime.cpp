// Error reporting and the persistent worker pool of the CPU kernels.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common.h"

namespace clipmatch {
namespace cpu {
namespace {

thread_local std::string last_error;

// A fixed set of threads that wait for one job at a time; a job is a range split into chunks that the
// workers (and the caller) take with an atomic counter, so uneven chunks balance themselves.
class Pool {
 public:
  explicit Pool(int threads) { resize(threads); }
  ~Pool() { stop(); }

  int size() const { return static_cast<int>(threads_.size()) + 1; }

  void resize(int total) {
    std::lock_guard<std::mutex> lock(run_mutex_);  // never while a job runs
    stop();
    quit_ = false;
    for (int w = 1; w < total; ++w) threads_.emplace_back([this, w] { loop(w); });
  }

  void run(int64_t count, int64_t grain, const std::function<void(int64_t, int64_t, int)>& body) {
    int64_t chunks = (count + grain - 1) / grain;
    if (chunks <= 1) {  // small jobs run on the caller, so concurrent callers don't queue behind each other
      body(0, count, 0);
      return;
    }
    std::lock_guard<std::mutex> run_lock(run_mutex_);  // one parallel job at a time; callers queue here
    if (threads_.empty()) {
      body(0, count, 0);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      body_ = &body;
      count_ = count;
      grain_ = grain;
      next_.store(0);
      active_ = static_cast<int>(threads_.size());
      ++generation_;
    }
    wake_.notify_all();
    work(0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return active_ == 0; });
    body_ = nullptr;
  }

 private:
  void work(int worker) {
    for (;;) {
      int64_t begin = next_.fetch_add(grain_);
      if (begin >= count_) return;
      (*body_)(begin, std::min(count_, begin + grain_), worker);
    }
  }

  void loop(int worker) {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return quit_ || generation_ != seen; });
        if (quit_) return;
        seen = generation_;
      }
      work(worker);
      std::lock_guard<std::mutex> lock(mutex_);
      if (--active_ == 0) done_.notify_one();
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  std::vector<std::thread> threads_;
  std::mutex run_mutex_, mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int64_t, int64_t, int)>* body_ = nullptr;
  int64_t count_ = 0, grain_ = 1;
  std::atomic<int64_t> next_{0};
  int active_ = 0;
  uint64_t generation_ = 0;
  bool quit_ = false;
};

int default_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

Pool& pool() {
  static Pool instance(default_threads());
  return instance;
}

}  // namespace

int fail(int code, const std::string& message) {
  last_error = message;
  return code;
}

void parallel_for(int64_t count, int64_t grain, const std::function<void(int64_t, int64_t, int)>& body) {
  if (count <= 0) return;
  pool().run(count, std::max<int64_t>(1, grain), body);
}

int workers() { return pool().size(); }

int check_matrix(const void* p, int64_t rows, int64_t dim, const char* what) {
  if (rows < 1) return fail(CM_ERR_ARGUMENT, std::string(what) + ": need at least one row");
  if (dim < 1) return fail(CM_ERR_ARGUMENT, std::string(what) + ": dimension must be positive");
  if (p == nullptr) return fail(CM_ERR_ARGUMENT, std::string(what) + ": null pointer");
  return CM_OK;
}

}  // namespace cpu

extern "C" const char* cm_last_error(void) { return cpu::last_error.c_str(); }

extern "C" int cm_set_threads(int n) {
  cpu::pool().resize(n <= 0 ? cpu::default_threads() : n);
  return cpu::pool().size();
}

}  // namespace clipmatch
