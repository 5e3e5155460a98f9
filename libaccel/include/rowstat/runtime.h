/* SPDX-License-Identifier: MIT */
/*
 * libaccel's runtime: open an accelerator, allocate buffers in its address
 * space, run command streams and layers on it, and read what each job
 * counted.  Two backends sit behind the one API:
 *
 *   sim      the model core in this process: no kernel, no root.  It boots
 *            the same firmware image the device does, so its outputs and
 *            statistics are the device's, bit for bit.
 *   kernel   rowstat.ko through its DRM node (docs/driver.md).
 *
 * accel_device_open() picks one by the spec it is given, else by the
 * ROWSTAT_BACKEND environment variable, else sim.
 *
 * Every call returns 0 or a negative errno; the failing call leaves a
 * message naming what was wrong (the field, the layer, the buffer) for
 * accel_error(), per thread.
 */
#ifndef ROWSTAT_RUNTIME_H
#define ROWSTAT_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rowstat/compiler.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The message of this thread's last failed call ("" if none yet). */
ACCEL_API const char *accel_error(void);

/* ---- Devices --------------------------------------------------------------- */

enum accel_backend {
	ACCEL_BACKEND_SIM,
	ACCEL_BACKEND_KERNEL,
};

struct accel_device;

/*
 * Opens a device.  spec: NULL (the ROWSTAT_BACKEND variable's backend, or
 * sim), "sim", "kernel" (the first rowstat device), a DRM node path, a PCI
 * address ("0000:00:04.0") or an index among the rowstat devices ("0").
 *
 * The sim backend boots the firmware image at ROWSTAT_FIRMWARE, else at
 * /lib/firmware/rowstat/rowstat.fw (what the driver loads); -ENOENT if
 * there is neither.
 */
ACCEL_API int accel_device_open(const char *spec, struct accel_device **dev);
/*
 * Gives up the opener's hold: the device goes when its last buffer and
 * job are freed too.
 */
ACCEL_API void accel_device_close(struct accel_device *dev);

struct accel_device_info {
	enum accel_backend backend;
	char node[64];			/* "sim", or the DRM node's path */
	/*
	 * What the driver reports (GET_PARAM) over rs_hw_params_default,
	 * the running firmware's bandwidths, energy and decode costs
	 * included: what the compiler maps with, alike on both backends.
	 */
	struct rs_hw_params hw;
	uint32_t hw_version;		/* ROWSTAT_VERSION(major, minor) */
	uint32_t fw_version;
	/* sim: the image's path; kernel: the running image's, "(flashed)" after a flash */
	char fw_name[64];
};

ACCEL_API void accel_device_info(const struct accel_device *dev,
				 struct accel_device_info *info);

/* A rowstat device this machine has, as accel_device_list finds it. */
struct accel_device_entry {
	char node[64];			/* its DRM node: accel, else render */
	char pci_address[16];		/* "0000:00:04.0" */
	uint16_t vendor, device;	/* PCI IDs */
	unsigned link_speed_gts10;	/* negotiated PCIe link: GT/s x 10 (25 = 2.5) */
	unsigned link_width;		/* lanes; 0 if not PCIe */
	int numa_node;			/* -1 if none */
	char driver_version[32];	/* rowstat.ko's DRM version */
};

/*
 * The rowstat devices (driver bound) in node order: their DRM nodes found
 * through libdrm (drmGetDevices2 for render nodes; accel nodes, which it
 * does not know, from /dev/accel), their PCI side through libpci.  The sim
 * backend is always there besides them.  Fills at most cap entries and
 * sets *count to how many there are.
 */
ACCEL_API int accel_device_list(struct accel_device_entry *entries, unsigned cap,
				unsigned *count);
ACCEL_API const char *accel_backend_name(enum accel_backend backend);

/* ---- Buffers --------------------------------------------------------------- */

/*
 * Memory the device and the host share: zero-filled, mapped for both, at a
 * device VA in this device's (per-process) address space.
 */
struct accel_buffer;

/* size: 1 to ROWSTAT_BO_MAX_BYTES bytes, rounded up to whole pages. */
ACCEL_API int accel_buffer_alloc(struct accel_device *dev, uint64_t size,
				 struct accel_buffer **buf);
/*
 * The same, for the device to read only (weights, say): a job that writes
 * it faults (-EFAULT) on both backends; the host's mapping stays writable.
 * On the kernel backend (rowstat.ko 1.1 and later) a buffer imported from
 * it is read-only too, being the same object; on sim too (the buffer's
 * memfd is sealed against resizing, which marks it).
 */
ACCEL_API int accel_buffer_alloc_read_only(struct accel_device *dev, uint64_t size,
					   struct accel_buffer **buf);
ACCEL_API void accel_buffer_free(struct accel_buffer *buf);
ACCEL_API void *accel_buffer_map(const struct accel_buffer *buf);
ACCEL_API uint64_t accel_buffer_size(const struct accel_buffer *buf);
ACCEL_API uint64_t accel_buffer_va(const struct accel_buffer *buf);

/*
 * A file descriptor for the buffer that another device or process can
 * import: a dma-buf on the kernel backend, a memfd on sim.  The caller
 * owns the descriptor.  Importing maps the same memory at a VA of dev's.
 */
ACCEL_API int accel_buffer_export(struct accel_buffer *buf, int *fd);
ACCEL_API int accel_buffer_import(struct accel_device *dev, int fd,
				  struct accel_buffer **buf);

/* ---- Jobs ------------------------------------------------------------------ */

/* What a job counted, and how it ended. */
struct accel_job_result {
	int error;			/* 0, or what the fence reports (-EFAULT...) */
	enum rowstat_status status;	/* the device's */
	uint32_t error_offset;		/* of the failing command in the stream */
	uint64_t fault_va;
	struct rs_hw_counters counts;
	uint64_t energy;		/* the total of counts.energy */
	double latency_us;		/* counts.cycles at the device's clock */
	double host_us;			/* submit to completion, on the host */
};

struct accel_job;

/*
 * Runs the command stream at stream_offset..+stream_bytes of a buffer.
 * buffers lists every other buffer the stream reads or writes.  The job
 * runs after those submitted before it on this device.
 */
struct accel_job_desc {
	struct accel_buffer *stream;
	uint64_t stream_offset;
	uint32_t stream_bytes;
	struct accel_buffer *const *buffers;
	unsigned buffer_count;
};

ACCEL_API int accel_job_submit(struct accel_device *dev, const struct accel_job_desc *desc,
			       struct accel_job **job);
/*
 * Waits for a job to end, at most timeout_ms (-1: forever); -ETIME if it
 * has not.  A job that failed returns its error (and the result says why).
 */
ACCEL_API int accel_job_wait(struct accel_job *job, int timeout_ms,
			     struct accel_job_result *res);
/* Waits for the job if it still runs, then frees it. */
ACCEL_API void accel_job_free(struct accel_job *job);

/* ---- Layers ---------------------------------------------------------------- */

/*
 * One convolution (or fully connected) layer on buffers: the ifmap
 * [N][C][H][W] in `in`'s format, filters [M][C/G][R][S] of the filter
 * precision, biases int32 [M] if cv.bias, the ofmap [N][M][E][F] in
 * `out`'s format; each at an offset into its buffer.  options and hints
 * guide the mapping search (NULL: EDP, nothing known).
 */
struct accel_layer {
	const char *name;		/* for messages; may be NULL */
	struct accel_conv cv;
	struct accel_tensor in, out;	/* formats (their va is ignored) */
	struct accel_buffer *ifmap, *filters, *bias, *ofmap;
	uint64_t ifmap_offset, filters_offset, bias_offset, ofmap_offset;
	const struct accel_map_options *options;
	const struct accel_map_hints *hints;
};

/* A layer's job, with the mapping it ran and the compiler's estimate. */
struct accel_layer_result {
	struct accel_job_result job;
	struct accel_mapping map;
	struct accel_estimate est;
	double compile_us;		/* searching (0 when cached) and emitting */
};

/*
 * Compiles layers ahead of their submits: each distinct shape is searched
 * once, on every CPU (accel_map_search_batch), into the device's cache,
 * where accel_layer_submit finds it.  Only each layer's cv, formats,
 * options and hints are read.  0, or the first failing layer's -EINVAL
 * (a bad cv), -ENOSPC (nothing fits the device) or -ENOMEM.
 */
ACCEL_API int accel_layers_prepare(struct accel_device *dev, const struct accel_layer *layers,
				   unsigned count);
/* The device's cache of searches: hits, misses (each a search), entries (zero for NULL). */
ACCEL_API void accel_device_map_stats(const struct accel_device *dev,
				      struct accel_map_cache_stats *stats);

/*
 * Compiles the layer (each shape searched once per device) and submits it.
 * The stream lives in a buffer the job owns.
 */
ACCEL_API int accel_layer_submit(struct accel_device *dev, const struct accel_layer *layer,
				 struct accel_job **job);
/* accel_layer_submit, then waits for it. */
ACCEL_API int accel_layer_run(struct accel_device *dev, const struct accel_layer *layer,
			      struct accel_layer_result *res);
/* After accel_job_wait on a layer's job: its mapping and estimate. */
ACCEL_API int accel_layer_job_info(const struct accel_job *job, struct accel_mapping *map,
				   struct accel_estimate *est);

/* Bytes a layer's tensors need in their formats (RLC: the worst case). */
ACCEL_API uint64_t accel_layer_ifmap_bytes(const struct accel_layer *layer);
ACCEL_API uint64_t accel_layer_filter_bytes(const struct accel_layer *layer);
ACCEL_API uint64_t accel_layer_ofmap_bytes(const struct accel_layer *layer);

/* ---- Networks ------------------------------------------------------------- */

/*
 * A network: steps in order, each on the previous one's output.  Device
 * steps are layers (raw Q16 or INT8 tensors); host steps are what CNNs
 * need between them and the device does not do: max or average pooling,
 * keeping the current tensor for a residual, adding it back (saturating,
 * optionally with ReLU), and flattening for a classifier.  Two activation
 * buffers, sized for the largest tensor, serve every layer in turn (and a
 * third the kept tensor); weights are uploaded once, and every layer is
 * compiled (accel_layers_prepare), at creation: a layer no mapping fits
 * fails the creation, not a run.
 */
enum accel_step_kind {
	ACCEL_STEP_LAYER,
	ACCEL_STEP_MAXPOOL,	/* k x k windows, stride, padding (of -inf) */
	ACCEL_STEP_AVGPOOL,	/* the same, the mean rounded half away from 0 */
	ACCEL_STEP_KEEP,	/* keep the current tensor for an ADD */
	ACCEL_STEP_ADD,		/* current += kept, saturating; ReLU if relu */
	ACCEL_STEP_FLATTEN,	/* [N][C][H][W] -> [N][C*H*W][1][1] */
	ACCEL_STEP_SWAP,	/* the kept tensor becomes current, and the reverse */
};

struct accel_step {
	enum accel_step_kind kind;
	const char *name;
	/* LAYER: the layer (its batch and input shape must chain), weights. */
	struct accel_conv cv;
	const int16_t *filters;		/* [M][C/G][R][S] */
	const int32_t *bias;		/* [M], if cv.bias */
	/* pooling */
	unsigned k, stride, pad;
	bool relu;			/* ADD */
};

struct accel_network;

/* The first step's input: batch, channels, height, width. */
ACCEL_API int accel_network_create(struct accel_device *dev, const struct accel_step *steps,
				   unsigned count, unsigned n, unsigned c, unsigned h,
				   unsigned w, struct accel_network **net);
ACCEL_API void accel_network_free(struct accel_network *net);
/* The output's shape. */
ACCEL_API void accel_network_output(const struct accel_network *net, unsigned *n,
				    unsigned *c, unsigned *h, unsigned *w);

/* What a network's run counted: per layer step, and in total. */
struct accel_network_result {
	unsigned layers;
	struct accel_layer_result *layer;	/* [layers], the network's own */
	struct rs_hw_counters counts;		/* summed (peak PEs: the most) */
	uint64_t energy;
	double latency_us, host_us;
};

/* Runs on input (the first step's shape); writes the output. */
ACCEL_API int accel_network_run(struct accel_network *net, const int16_t *input,
				int16_t *output, struct accel_network_result *res);

/*
 * The same steps on the host alone, each layer by accel_reference_conv:
 * what accel_network_run must give, bit for bit.  Slow; for checking.
 * 0, or -EINVAL / -ENOMEM with accel_error saying why.
 */
ACCEL_API int accel_network_reference(const struct accel_step *steps, unsigned count,
				      unsigned n, unsigned c, unsigned h, unsigned w,
				      const int16_t *input, int16_t *output);

/* ---- Events ---------------------------------------------------------------- */

/*
 * What the driver tells devlink's listeners about rowstat devices (the
 * kernel backend's; iproute2's `devlink monitor` sees the same): a health
 * reporter's error and recovery (mmu_fault, job_timeout, firmware), a
 * firmware flash's progress, a device appearing or going.
 */
enum accel_event_kind {
	ACCEL_EVENT_HEALTH,
	ACCEL_EVENT_FLASH,
	ACCEL_EVENT_DEVICE_NEW,
	ACCEL_EVENT_DEVICE_GONE,
};

struct accel_event {
	enum accel_event_kind kind;
	char device[32];		/* the PCI address devlink names it by */
	char reporter[32];		/* HEALTH: which */
	bool healthy;			/* HEALTH: its state after the event */
	uint64_t errors, recoveries;	/* HEALTH: its counts */
	char message[128];		/* FLASH: the status line ("" at begin/end) */
	bool flash_end;			/* FLASH: the last of an update */
	uint64_t done, total;		/* FLASH: progress, when the driver gives it */
};

struct accel_events;

/* Subscribes to devlink's notifications (libnl); -ENOENT without devlink. */
ACCEL_API int accel_events_open(struct accel_events **ev);
ACCEL_API void accel_events_close(struct accel_events *ev);
/* A descriptor to poll for readability. */
ACCEL_API int accel_events_fd(const struct accel_events *ev);
/* The next rowstat event, waiting at most timeout_ms (-1: forever); -ETIME if none. */
ACCEL_API int accel_events_next(struct accel_events *ev, int timeout_ms, struct accel_event *e);
ACCEL_API const char *accel_event_kind_name(enum accel_event_kind kind);

/* ---- Tensors --------------------------------------------------------------- */

/*
 * Writes count values of precision prec (ROWSTAT_PREC_*) into a raw
 * tensor's bytes, and reads them back.  Values are the fixed-point
 * integers; accel_quantize and accel_dequantize convert from and to
 * floats with a per-tensor scale (value = integer * scale), rounding to
 * nearest and saturating.
 */
ACCEL_API void accel_values_pack(void *dst, const int16_t *vals, size_t count, unsigned prec);
ACCEL_API void accel_values_unpack(int16_t *vals, const void *src, size_t count, unsigned prec);
ACCEL_API void accel_quantize(int16_t *vals, const float *x, size_t count, float scale,
			      unsigned prec);
ACCEL_API void accel_dequantize(float *x, const int16_t *vals, size_t count, float scale);

/*
 * Encodes a tensor [N][C][H][W] into fmt's layout (raw, or RLC segments)
 * at dst, which holds accel_tensor_bytes() bytes; decodes one back.
 * -EINVAL with accel_error() set if the bytes are no valid RLC.
 */
ACCEL_API int accel_tensor_encode(void *dst, const int16_t *vals, unsigned n, unsigned c,
				  unsigned h, unsigned w, unsigned prec,
				  const struct accel_tensor *fmt);
ACCEL_API int accel_tensor_decode(int16_t *vals, const void *src, unsigned n, unsigned c,
				  unsigned h, unsigned w, unsigned prec,
				  const struct accel_tensor *fmt);

#ifdef __cplusplus
}
#endif

#endif /* ROWSTAT_RUNTIME_H */
