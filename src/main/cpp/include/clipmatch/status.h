// The one native boundary of clipmatch: what every exported function of the CPU kernels (kernels.h), the
// image kernel (image.h) and the CUDA kernels (kernels_cuda.h) shares.
// - Plain C symbols (no C++ name mangling) that ctypes, JavaCPP or a C caller bind alike, marked CM_API.
// - Every function returns a status code below; on failure the library's last-error function gives a message
//   for the calling thread (valid until that thread's next call into the same library). Each library keeps its
//   own message because each can be loaded alone (the image kernel without the scoring kernels, the CPU
//   kernels without CUDA): cm_last_error (CPU kernels), cm_image_last_error (image), cm_cuda_last_error (CUDA).
#ifndef CLIPMATCH_STATUS_H
#define CLIPMATCH_STATUS_H

#if defined(__GNUC__)
#define CM_API __attribute__((visibility("default")))
#else
#define CM_API
#endif

#define CM_OK 0
#define CM_ERR_ARGUMENT 1
#define CM_ERR_MEMORY 2
#define CM_ERR_DEVICE 3

#ifdef __cplusplus
extern "C" {
#endif

// Message of the calling thread's last failure in the CPU kernels ("" if none).
CM_API const char* cm_last_error(void);
// Message of the calling thread's last failure in the image kernel ("" if none).
CM_API const char* cm_image_last_error(void);
// Message of the calling thread's last failure in the CUDA kernels ("" if none).
CM_API const char* cm_cuda_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
