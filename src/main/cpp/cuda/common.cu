// Error reporting, device discovery, stream-ordered buffers and the device status word.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common.cuh"

namespace clipmatch {
namespace cuda {
namespace {
thread_local std::string last_error;

int engine_from_environment() {
  const char* name = std::getenv("CLIPMATCH_CUDA_ENGINE");
  return name != nullptr && std::strcmp(name, "wgmma") == 0 ? CM_CUDA_ENGINE_WGMMA : CM_CUDA_ENGINE_MMA;
}
std::atomic<int> engine{engine_from_environment()};
}  // namespace

int tensor_engine() { return engine.load(); }

int fail(int code, const std::string& message) {
  last_error = message;
  return code;
}

int device_fail(const char* what, cudaError_t err) {
  int code = err == cudaErrorMemoryAllocation ? CM_ERR_MEMORY : CM_ERR_DEVICE;
  return fail(code, std::string(what) + ": " + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")");
}

int require_device() {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) return device_fail("no usable CUDA device", err);
  if (count == 0) return fail(CM_ERR_DEVICE, "no CUDA device");
  return CM_OK;
}

namespace {
// Stream-ordered allocation needs memory-pool support from the driver (absent under some virtualisation);
// without it, plain cudaMalloc/cudaFree (which synchronise) do the same job more slowly.
bool pools_supported() {
  thread_local int device = -1;
  thread_local bool supported = false;
  int current = 0;
  if (cudaGetDevice(&current) != cudaSuccess) return false;
  if (current != device) {
    int value = 0;
    supported = cudaDeviceGetAttribute(&value, cudaDevAttrMemoryPoolsSupported, current) == cudaSuccess && value != 0;
    device = current;
  }
  return supported;
}
}  // namespace

int DeviceBuffer::allocate(size_t bytes, cudaStream_t stream, const char* what) {
  release();
  stream_ = stream;
  pooled_ = pools_supported();
  size_t size = bytes < 16 ? 16 : bytes;
  cudaError_t err = pooled_ ? cudaMallocAsync(&ptr_, size, stream) : cudaMalloc(&ptr_, size);
  if (err != cudaSuccess) {
    ptr_ = nullptr;
    return device_fail((std::string("allocating ") + std::to_string(bytes) + " bytes for " + what).c_str(), err);
  }
  return CM_OK;
}

void DeviceBuffer::release() {
  // A failure here is sticky and reported by the next call.
  if (ptr_ != nullptr) pooled_ ? cudaFreeAsync(ptr_, stream_) : cudaFree(ptr_);
  ptr_ = nullptr;
}

int Status::init(cudaStream_t stream) {
  CM_RETURN_IF(buffer_.allocate(sizeof(unsigned long long) * kSlots, stream, "status"));
  CM_CUDA_CALL(cudaMemsetAsync(buffer_.as<void>(), 0xff, sizeof(unsigned long long) * kSlots, stream), "status");
  return CM_OK;
}

int Status::finish(cudaStream_t stream, const char* const messages[kSlots]) {
  unsigned long long host[kSlots];
  CM_CUDA_CALL(cudaMemcpyAsync(host, buffer_.as<void>(), sizeof host, cudaMemcpyDeviceToHost, stream),
               "reading the kernel status");
  CM_CUDA_CALL(cudaStreamSynchronize(stream), "running the kernels");
  for (int s = 0; s < kSlots; ++s)
    if (host[s] != kNoError) return fail(CM_ERR_ARGUMENT, std::string(messages[s]) + std::to_string(host[s]));
  return CM_OK;
}

int check_dtype(int dtype, const char* what) {
  if (dtype != CM_CUDA_F32 && dtype != CM_CUDA_F16 && dtype != CM_CUDA_BF16)
    return fail(CM_ERR_ARGUMENT, std::string(what) + ": unknown dtype " + std::to_string(dtype) +
                                     " (0 = f32, 1 = f16, 2 = bf16)");
  return CM_OK;
}

int check_matrix(const void* p, int64_t rows, int64_t dim, const char* what) {
  if (rows < 1) return fail(CM_ERR_ARGUMENT, std::string(what) + ": need at least one row");
  if (dim < 1) return fail(CM_ERR_ARGUMENT, std::string(what) + ": dimension must be positive");
  if (p == nullptr) return fail(CM_ERR_ARGUMENT, std::string(what) + ": null pointer");
  if (rows > kMaxCandidates) return fail(CM_ERR_ARGUMENT, std::string(what) + ": too many rows");
  return CM_OK;
}

int upload(const void* host, size_t bytes, cudaStream_t stream, DeviceBuffer& buffer, const char* what) {
  CM_RETURN_IF(buffer.allocate(bytes, stream, what));
  CM_CUDA_CALL(cudaMemcpyAsync(buffer.as<void>(), host, bytes, cudaMemcpyHostToDevice, stream), what);
  return CM_OK;
}

}  // namespace cuda
}  // namespace clipmatch

using namespace clipmatch::cuda;

extern "C" const char* cm_cuda_last_error(void) { return clipmatch::cuda::last_error.c_str(); }

extern "C" int cm_cuda_device_count(int* count) {
  if (count == nullptr) return fail(CM_ERR_ARGUMENT, "device_count: null pointer");
  *count = 0;
  cudaError_t err = cudaGetDeviceCount(count);
  if (err != cudaSuccess) {
    *count = 0;
    device_fail("no usable CUDA device", err);  // not an error for the caller: zero devices, reason recorded
    cudaGetLastError();
    return CM_OK;
  }
  if (*count == 0) fail(CM_OK, "no CUDA device");
  return CM_OK;
}

extern "C" int cm_cuda_set_device(int device) {
  CM_RETURN_IF(require_device());
  CM_CUDA_CALL(cudaSetDevice(device), "selecting the CUDA device");
  return CM_OK;
}

extern "C" int cm_cuda_device_name(char* buf, int len) {
  if (buf == nullptr || len < 1) return fail(CM_ERR_ARGUMENT, "device_name: no buffer");
  CM_RETURN_IF(require_device());
  int device = 0;
  CM_CUDA_CALL(cudaGetDevice(&device), "querying the current device");
  cudaDeviceProp prop;
  CM_CUDA_CALL(cudaGetDeviceProperties(&prop, device), "querying the device properties");
  std::snprintf(buf, static_cast<size_t>(len), "%s, compute capability %d.%d, %.1f GiB", prop.name, prop.major,
                prop.minor, prop.totalGlobalMem / (1024.0 * 1024.0 * 1024.0));
  return CM_OK;
}

extern "C" int cm_cuda_memory_peak(int64_t* bytes, int reset) {
  if (bytes == nullptr) return fail(CM_ERR_ARGUMENT, "memory_peak: null pointer");
  CM_RETURN_IF(require_device());
  int device = 0;
  CM_CUDA_CALL(cudaGetDevice(&device), "querying the current device");
  if (!pools_supported()) return fail(CM_ERR_DEVICE, "memory_peak: this device has no stream-ordered memory pools");
  cudaMemPool_t pool;
  CM_CUDA_CALL(cudaDeviceGetDefaultMemPool(&pool, device), "memory pool");
  uint64_t high = 0;
  CM_CUDA_CALL(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemHigh, &high), "memory pool high-water mark");
  *bytes = static_cast<int64_t>(high);
  if (reset != 0) {
    uint64_t zero = 0;
    CM_CUDA_CALL(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrUsedMemHigh, &zero), "memory pool reset");
  }
  return CM_OK;
}

extern "C" int cm_cuda_set_tensor_engine(int which) {
  if (which != CM_CUDA_ENGINE_MMA && which != CM_CUDA_ENGINE_WGMMA)
    return fail(CM_ERR_ARGUMENT, "set_tensor_engine: unknown engine " + std::to_string(which) + " (0 = mma, 1 = wgmma)");
  if (which == CM_CUDA_ENGINE_WGMMA) {
    CM_RETURN_IF(require_device());
    int device = 0, major = 0, minor = 0;
    CM_CUDA_CALL(cudaGetDevice(&device), "querying the current device");
    CM_CUDA_CALL(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device), "compute capability");
    CM_CUDA_CALL(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device), "compute capability");
    // wgmma code exists only for sm_90a, which runs on compute capability 9.0 exactly.
    if (major != 9 || minor != 0)
      return fail(CM_ERR_ARGUMENT, "set_tensor_engine: wgmma needs a compute capability 9.0 GPU (H100/H200), this is " +
                                       std::to_string(major) + "." + std::to_string(minor));
  }
  clipmatch::cuda::engine.store(which);
  return CM_OK;
}

extern "C" int cm_cuda_tensor_engine(void) { return clipmatch::cuda::tensor_engine(); }
