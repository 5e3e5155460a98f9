/*
 * rowstat: a row-stationary DNN accelerator on PCI (docs/hardware.md).
 *
 * Thin QEMU glue around the model core (model/): BAR0 registers, job rings
 * in guest memory, MSI-X, the device MMU walking the kernel's page tables
 * through pci_dma_read, firmware boot and the heartbeat.  Jobs run on a
 * worker thread that takes neither the BQL nor the device lock while the
 * model runs, and never the BQL at all: its interrupts go out from a bottom
 * half.  A reset never waits for the worker; it cancels the job, which
 * stops within one DMA line or one bounded block of arithmetic, and
 * CTRL.RESET reads 1 until it has.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/thread.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qemu/log.h"
#include "qemu/bswap.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qom/object.h"
#include "trace.h"

/*
 * QEMU 7.2 is the version the tests build; these keep the glue building on
 * the QEMU 10.0 of bookworm-backports too (renamed headers).
 */
#if QEMU_VERSION_MAJOR >= 8
#include "hw/pci/pci_device.h"
#endif
#if QEMU_VERSION_MAJOR >= 10
#include "system/dma.h"
#else
#include "sysemu/dma.h"
#endif
#if QEMU_VERSION_MAJOR * 100 + QEMU_VERSION_MINOR < 901
static void device_class_set_legacy_reset(DeviceClass *dc, DeviceReset reset)
{
    dc->reset = reset;
}
#endif

#include "rowstat_mmu.h"
#include "rowstat_regs.h"
#include "rowstat_ring.h"
#include "rs_hw_fw.h"
#include "rs_model.h"

#define TYPE_ROWSTAT "rowstat"
OBJECT_DECLARE_SIMPLE_TYPE(RowstatState, ROWSTAT)

/* A job counter value that no fault property uses. */
#define ROWSTAT_NO_FAULT 0

typedef struct RowstatRing {
    uint64_t addr;
    uint32_t size_log2;
    uint32_t head;
    uint32_t tail;
    uint32_t ctrl;
    uint32_t status;
    uint64_t fence_addr;
    uint64_t err_seq;
    uint32_t err_offset;
} RowstatRing;

typedef struct RowstatContext {
    uint64_t pt;
    uint32_t ctrl;
} RowstatContext;

struct RowstatState {
    PCIDevice parent_obj;
    MemoryRegion mmio;

    /* Properties: the configuration the capability registers report. */
    uint32_t rows, cols, rf_filter, rf_ifmap, rf_psum, glb_kib, clock_khz;
    uint32_t dram_bw, glb_bw, nr_rings, nr_contexts;
    /* Fault injection: act on job number N (1 = the first), 0 = never. */
    uint32_t fault_hang_job, fault_dma_job, fault_completion_job;
    uint32_t fault_fw_crash_job;

    struct rs_hw_params hw_reset;  /* the properties': what reset restores */
    struct rs_hw_params hw;        /* hw_reset, then what firmware sets */
    struct rs_hw_firmware fw;
    struct rs_model *model;        /* the worker's alone */

    /* The worker and what it shares with the MMIO side, under lock. */
    QemuThread worker;
    QemuMutex lock;
    QemuCond work_cond;
    QEMUBH *notify_bh;
    uint32_t pending_irq;          /* causes the bottom half will send */
    bool stopping;
    bool busy;                     /* the worker is in a job */
    uint32_t running;              /* the RUNNING register */
    bool resetting;                /* reset until the worker leaves its job */
    int cancel;                    /* the running job's; qatomic */
    uint64_t generation;           /* bumped by every reset */
    uint64_t jobs_started;
    unsigned last_ring;
    unsigned quantum_left;

    uint32_t ctrl, status, irq_status, irq_mask;
    uint32_t heartbeat;
    bool hung;
    uint64_t fw_addr;
    uint32_t fw_size, fw_status, fw_version;
    uint64_t fault_addr;
    uint32_t fault_info;
    bool fault_latched;
    uint64_t perf[ROWSTAT_PERF_COUNT], perf_latch[ROWSTAT_PERF_COUNT];
    RowstatRing ring[ROWSTAT_MAX_RINGS];
    RowstatContext ctx[ROWSTAT_MAX_CONTEXTS];

    QEMUTimer *heartbeat_timer;
};

/* ---- interrupts ---- */

static unsigned irq_vector(RowstatState *s, uint32_t bit)
{
    for (unsigned n = 0; n < s->nr_rings; n++) {
        if (bit == ROWSTAT_IRQ_RING(n)) {
            return ROWSTAT_MSIX_RING(n);
        }
    }
    return ROWSTAT_MSIX_ERROR(s->nr_rings);
}

/* Sends the messages for enabled causes that just became set.  BQL held. */
static void rowstat_notify(RowstatState *s, uint32_t newly)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    if (!newly || !msix_enabled(pdev)) {
        return;
    }
    trace_rowstat_irq(newly);
    for (uint32_t bits = newly; bits; bits &= bits - 1) {
        msix_notify(pdev, irq_vector(s, bits & -bits));
    }
}

/* The worker's interrupts, sent from the main loop with the BQL. */
static void rowstat_notify_bh(void *opaque)
{
    RowstatState *s = opaque;
    uint32_t bits;

    qemu_mutex_lock(&s->lock);
    bits = s->pending_irq;
    s->pending_irq = 0;
    qemu_mutex_unlock(&s->lock);
    rowstat_notify(s, bits);
}

/* Sets interrupt causes; returns those to notify.  Needs s->lock. */
static uint32_t rowstat_raise_locked(RowstatState *s, uint32_t bits)
{
    uint32_t newly = bits & ~s->irq_status & s->irq_mask;

    s->irq_status |= bits;
    return newly;
}

/* ---- DMA ---- */

/*
 * The device's DMA reaches guest RAM only.  An address that decodes to
 * anything else (another device's registers, its own) fails on the bus:
 * the worker then never needs the BQL, and the device cannot deadlock on
 * its own registers.
 */
static bool dma_is_ram(PCIDevice *pdev, hwaddr pa, hwaddr len, bool write)
{
    MemoryRegion *mr;
    hwaddr xlat, span = len;

    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(pci_get_address_space(pdev), pa, &xlat,
                                 &span, write, MEMTXATTRS_UNSPECIFIED);
    return memory_region_is_ram(mr) && span >= len;
}

static MemTxResult dma_rw(PCIDevice *pdev, hwaddr pa, void *buf, hwaddr len,
                          bool write)
{
    if (!dma_is_ram(pdev, pa, len, write)) {
        return MEMTX_DECODE_ERROR;
    }
    return write ? pci_dma_write(pdev, pa, buf, len)
                 : pci_dma_read(pdev, pa, buf, len);
}

/* ---- the device MMU ---- */

typedef struct RowstatJobMem {
    RowstatState *s;
    unsigned ctx;
    uint64_t pt;
    bool dma_fault;                /* injected: fail after the stream fetch */
    unsigned accesses;
    /* One cached translation: jobs walk pages in order. */
    uint64_t tlb_page, tlb_pa;
    bool tlb_valid;
    bool tlb_write;
    /* The first fault of the job. */
    bool faulted;
    uint64_t fault_va;
    bool fault_write;
    unsigned fault_reason;
} RowstatJobMem;

static int mmu_fault(RowstatJobMem *m, uint64_t va, bool write, unsigned reason)
{
    if (!m->faulted) {
        m->faulted = true;
        m->fault_va = va;
        m->fault_write = write;
        m->fault_reason = reason;
    }
    return -1;
}

/* Walks the context's three levels; returns the page's bus address. */
static int mmu_translate(RowstatJobMem *m, uint64_t va, bool write,
                         uint64_t *pa)
{
    PCIDevice *pdev = PCI_DEVICE(m->s);
    uint64_t page = va >> ROWSTAT_PAGE_SHIFT, table = m->pt;

    if (va >> ROWSTAT_VA_BITS) {
        return mmu_fault(m, va, write, ROWSTAT_FAULT_ADDRESS);
    }
    if (m->tlb_valid && m->tlb_page == page && (!write || m->tlb_write)) {
        *pa = m->tlb_pa;
        return 0;
    }
    for (int level = ROWSTAT_PT_LEVELS - 1; level >= 0; level--) {
        uint64_t pte;

        if (qatomic_read(&m->s->cancel)) {
            return -1;
        }
        if (dma_rw(pdev, table + 8 * ROWSTAT_PT_INDEX(va, level), &pte,
                   sizeof(pte), false) != MEMTX_OK) {
            return mmu_fault(m, va, write, ROWSTAT_FAULT_WALK);
        }
        pte = le64_to_cpu(pte);
        if (!(pte & ROWSTAT_PTE_VALID)) {
            return mmu_fault(m, va, write, ROWSTAT_FAULT_NOT_PRESENT);
        }
        if (pte & ROWSTAT_PTE_RESERVED_MASK) {
            return mmu_fault(m, va, write, ROWSTAT_FAULT_BAD_PTE);
        }
        if (level > 0) {
            if (pte & (ROWSTAT_PTE_READ | ROWSTAT_PTE_WRITE)) {
                return mmu_fault(m, va, write, ROWSTAT_FAULT_BAD_PTE);
            }
            table = pte & ROWSTAT_PTE_ADDR_MASK;
            continue;
        }
        if (!(pte & (write ? ROWSTAT_PTE_WRITE : ROWSTAT_PTE_READ))) {
            return mmu_fault(m, va, write, ROWSTAT_FAULT_PERMISSION);
        }
        m->tlb_valid = true;
        m->tlb_page = page;
        m->tlb_pa = pte & ROWSTAT_PTE_ADDR_MASK;
        m->tlb_write = pte & ROWSTAT_PTE_WRITE;
        *pa = m->tlb_pa;
    }
    return 0;
}

/*
 * Every access of a job, page by page.  Once the job is cancelled none
 * starts: after a reset only an access already under way can complete.
 */
static int mmu_access(RowstatJobMem *m, uint64_t va, void *buf, size_t len,
                      bool write)
{
    PCIDevice *pdev = PCI_DEVICE(m->s);
    uint8_t *p = buf;

    /* The model's first access is always the stream fetch. */
    if (m->dma_fault && m->accesses++ > 0) {
        return mmu_fault(m, va, write, ROWSTAT_FAULT_BUS);
    }
    while (len) {
        uint64_t off = va & (ROWSTAT_PAGE_SIZE - 1), pa;
        size_t chunk = MIN(len, ROWSTAT_PAGE_SIZE - off);
        MemTxResult r;

        if (qatomic_read(&m->s->cancel)) {
            return -1;
        }
        if (mmu_translate(m, va, write, &pa)) {
            return -1;
        }
        r = dma_rw(pdev, pa + off, p, chunk, write);
        if (r != MEMTX_OK) {
            return mmu_fault(m, va, write, ROWSTAT_FAULT_BUS);
        }
        va += chunk;
        p += chunk;
        len -= chunk;
    }
    return 0;
}

static int mem_read(void *opaque, uint64_t va, void *buf, size_t len)
{
    return mmu_access(opaque, va, buf, len, false);
}

static int mem_write(void *opaque, uint64_t va, const void *buf, size_t len)
{
    return mmu_access(opaque, va, (void *)buf, len, true);
}

/* ---- jobs ---- */

static bool ring_has_work(RowstatState *s, unsigned n)
{
    RowstatRing *r = &s->ring[n];

    /* Entries [head, tail) are pending; never more than the ring holds. */
    return (r->ctrl & ROWSTAT_RING_CTRL_ENABLE) &&
           !(r->status & ROWSTAT_RING_STATUS_HALTED) &&
           r->tail - r->head - 1 < (1u << r->size_log2);
}

/* The firmware's arbitration policy.  Needs s->lock; -1 when idle. */
static int pick_ring(RowstatState *s)
{
    if (!(s->ctrl & ROWSTAT_CTRL_ENABLE) || s->hung || s->resetting ||
        ROWSTAT_FW_STATE(s->fw_status) != ROWSTAT_FW_STATE_RUNNING) {
        return -1;
    }
    if (s->fw.arbiter_policy == ROWSTAT_ARB_PRIORITY) {
        int best = -1;

        for (unsigned n = 0; n < s->nr_rings; n++) {
            if (ring_has_work(s, n) &&
                (best < 0 || ROWSTAT_RING_PRIORITY(s->ring[n].ctrl) >
                             ROWSTAT_RING_PRIORITY(s->ring[best].ctrl))) {
                best = n;
            }
        }
        return best;
    }
    /* Round robin: stay on a ring for `quantum` jobs while it has work. */
    if (s->quantum_left && ring_has_work(s, s->last_ring)) {
        s->quantum_left--;
        return s->last_ring;
    }
    for (unsigned i = 1; i <= s->nr_rings; i++) {
        unsigned n = (s->last_ring + i) % s->nr_rings;

        if (ring_has_work(s, n)) {
            s->last_ring = n;
            s->quantum_left = s->fw.arbiter_quantum - 1;
            return n;
        }
    }
    return -1;
}

typedef struct RowstatJob {
    unsigned ring;
    uint64_t entry;                /* bus address of its descriptor */
    uint64_t generation;
    bool hang, corrupt, crash;     /* injected faults */
    bool ctx_enabled;
    struct rs_hw_params hw;
    uint64_t seqno;
    struct rowstat_job_desc desc;
    struct rs_model_result res;
    RowstatJobMem mem;
} RowstatJob;

static bool fault_due(uint32_t prop, uint64_t job_number)
{
    return prop != ROWSTAT_NO_FAULT && prop == job_number;
}

/* Takes the next entry of ring n.  Needs s->lock. */
static void job_start_locked(RowstatState *s, RowstatJob *job, unsigned n)
{
    RowstatRing *r = &s->ring[n];
    uint64_t number = ++s->jobs_started;

    memset(job, 0, sizeof(*job));
    job->ring = n;
    job->entry = r->addr + (uint64_t)(r->head & ((1u << r->size_log2) - 1)) *
                 sizeof(job->desc);
    job->generation = s->generation;
    job->hang = fault_due(s->fault_hang_job, number);
    job->corrupt = fault_due(s->fault_completion_job, number);
    job->crash = fault_due(s->fault_fw_crash_job, number);
    job->hw = s->hw;
    job->mem.s = s;
    job->mem.dma_fault = fault_due(s->fault_dma_job, number);
    s->busy = true;
    s->running = ROWSTAT_RUNNING_VALID | n;
    s->status |= ROWSTAT_STATUS_BUSY;
    s->hung |= job->hang;
    qatomic_set(&s->cancel, 0);
}

/* Reads the descriptor and its context's registers. */
static void job_fetch(RowstatState *s, RowstatJob *job)
{
    unsigned ctx;

    /* After a reset began, nothing more is read: the job is dropped anyway. */
    if (qatomic_read(&s->cancel) ||
        dma_rw(PCI_DEVICE(s), job->entry, &job->desc, sizeof(job->desc),
               false) != MEMTX_OK) {
        memset(&job->desc, 0xff, sizeof(job->desc));
    }
    job->seqno = le64_to_cpu(job->desc.seqno);
    ctx = le16_to_cpu(job->desc.context);
    job->mem.ctx = ctx;
    qemu_mutex_lock(&s->lock);
    if (ctx < s->nr_contexts) {
        job->mem.pt = s->ctx[ctx].pt;
        job->ctx_enabled = s->ctx[ctx].ctrl & ROWSTAT_CTX_CTRL_ENABLE;
    }
    qemu_mutex_unlock(&s->lock);
}

/* A descriptor the device cannot take: no command of the job is at fault. */
static bool job_refused(RowstatJob *job)
{
    struct rowstat_job_desc *d = &job->desc;
    uint32_t opcode = le32_to_cpu(d->opcode);

    if (opcode > ROWSTAT_DESC_RUN ||
        (le32_to_cpu(d->flags) & ~ROWSTAT_DESC_IRQ) ||
        d->reserved0 || d->reserved1[0] || d->reserved1[1]) {
        job->res.status = opcode > ROWSTAT_DESC_RUN ? ROWSTAT_ERR_OPCODE
                                                    : ROWSTAT_ERR_RESERVED;
    } else if (opcode == ROWSTAT_DESC_RUN && !job->ctx_enabled) {
        job->res.status = ROWSTAT_ERR_FAULT;
        mmu_fault(&job->mem, le64_to_cpu(d->stream_va), false,
                  ROWSTAT_FAULT_CONTEXT);
        job->res.fault_va = le64_to_cpu(d->stream_va);
    } else {
        return false;
    }
    job->res.error_offset = ROWSTAT_NO_OFFSET;
    return true;
}

/* Runs one job without s->lock or the BQL. */
static void job_run(RowstatState *s, RowstatJob *job)
{
    struct rowstat_job_desc *d = &job->desc;
    struct rs_model_mem ops = { mem_read, mem_write, &job->mem };
    struct rs_model_opts opts = {
        .cancel = &s->cancel,
        .cycle_budget = le64_to_cpu(d->cycle_budget),
    };
    struct rowstat_job_stats st;

    if (job_refused(job)) {
        /* Statistics say why, where the job's context can take them. */
        if (!job->ctx_enabled) {
            return;
        }
    } else if (le32_to_cpu(d->opcode) == ROWSTAT_DESC_NOP) {
        return;
    } else {
        while (job->hang && !qatomic_read(&s->cancel)) {
            /* The injected hang: nothing moves until a reset. */
            g_usleep(1000);
        }
        /* What the firmware set applies from the next job on. */
        if (rs_model_set_params(s->model, &job->hw)) {
            job->res.status = ROWSTAT_ERR_INTERNAL;
            return;
        }
        rs_model_run(s->model, le64_to_cpu(d->stream_va),
                     le32_to_cpu(d->stream_bytes), &ops, &opts, &job->res);
        if (job->mem.faulted) {
            job->res.fault_va = job->mem.fault_va;
            job->res.fault_write = job->mem.fault_write;
        }
    }
    if (!le64_to_cpu(d->stats_va) || qatomic_read(&s->cancel)) {
        return;
    }
    rs_hw_stats_encode(job->res.status, job->res.error_offset,
                       job->res.fault_va, &job->res.counts, &st);
    if (mem_write(&job->mem, le64_to_cpu(d->stats_va), &st, sizeof(st)) &&
        job->res.status == ROWSTAT_OK) {
        job->res.status = ROWSTAT_ERR_FAULT;
        job->res.fault_va = job->mem.fault_va;
        job->res.fault_write = true;
    }
}

static void count_job(RowstatState *s, const struct rs_hw_counters *c)
{
    s->perf[ROWSTAT_PERF_CYCLES] += c->cycles;
    s->perf[ROWSTAT_PERF_MACS] += c->macs;
    s->perf[ROWSTAT_PERF_MACS_GATED] += c->macs_gated;
    for (int t = 0; t < ROWSTAT_DT_COUNT; t++) {
        s->perf[ROWSTAT_PERF_DRAM_READ_BYTES] += c->dram_read_bytes[t];
        s->perf[ROWSTAT_PERF_DRAM_WRITE_BYTES] += c->dram_write_bytes[t];
        s->perf[ROWSTAT_PERF_GLB_ACCESSES] +=
            c->glb_reads[t] + c->glb_writes[t];
    }
    s->perf[ROWSTAT_PERF_ENERGY] += rs_hw_counters_energy_total(c);
}

/* Halts the ring on a failed job and reports it.  s->lock held. */
static uint32_t fail_job(RowstatState *s, RowstatJob *job)
{
    RowstatRing *r = &s->ring[job->ring];
    RowstatJobMem *m = &job->mem;
    uint32_t irq = ROWSTAT_IRQ_JOB_ERROR;

    r->status = ROWSTAT_RING_STATUS_HALTED | (job->res.status & 0xffff);
    r->err_seq = job->seqno;
    r->err_offset = job->res.error_offset;
    s->perf[ROWSTAT_PERF_JOBS_FAILED]++;
    trace_rowstat_job_failed(job->ring, job->seqno,
                             rs_hw_status_name(job->res.status),
                             job->res.error_offset);
    qemu_log_mask(LOG_GUEST_ERROR,
                  "rowstat: job %" PRIu64 " on ring %u: %s at 0x%x: %s\n",
                  job->seqno, job->ring, rs_hw_status_name(job->res.status),
                  job->res.error_offset, job->res.detail);
    if (m->faulted) {
        trace_rowstat_mmu_fault(m->ctx, m->fault_va, m->fault_reason,
                                m->fault_write);
        irq |= ROWSTAT_IRQ_MMU_FAULT;
        if (!s->fault_latched) {
            s->fault_latched = true;
            s->fault_addr = m->fault_va;
            s->fault_info = ROWSTAT_FAULT_INFO(m->ctx, m->fault_write,
                                               m->fault_reason, job->ring);
        }
    }
    return irq;
}

/*
 * Writes a completed job's fence, without s->lock: no DMA happens under
 * it.  The reset that may come meanwhile is not complete before
 * job_end_locked, so the write still precedes it.  Needs s->lock on entry
 * and returns with it.
 */
static void write_fence(RowstatState *s, RowstatJob *job)
{
    /* A corrupted completion writes a seqno the driver never issued. */
    uint64_t fence = cpu_to_le64(job->corrupt ? ~job->seqno : job->seqno);
    uint64_t addr = s->ring[job->ring].fence_addr;

    qemu_mutex_unlock(&s->lock);
    if (!qatomic_read(&s->cancel)) {
        dma_rw(PCI_DEVICE(s), addr, &fence, sizeof(fence), true);
    }
    qemu_mutex_lock(&s->lock);
}

/* Completes or fails a job: head, registers, counters.  s->lock held. */
static uint32_t finish_job(RowstatState *s, RowstatJob *job)
{
    RowstatRing *r = &s->ring[job->ring];
    uint32_t irq = 0;

    count_job(s, &job->res.counts);
    if (job->res.status != ROWSTAT_OK) {
        irq = fail_job(s, job);
    } else {
        r->head++;
        s->perf[ROWSTAT_PERF_JOBS_DONE]++;
        trace_rowstat_job_done(job->ring, job->seqno, job->res.counts.cycles);
        if (le32_to_cpu(job->desc.flags) & ROWSTAT_DESC_IRQ) {
            irq = ROWSTAT_IRQ_RING(job->ring);
        }
    }
    if (job->crash) {
        s->fw_status = ROWSTAT_FW_STATUS(ROWSTAT_FW_STATE_FAILED,
                                         ROWSTAT_FW_ERR_CRASHED);
        s->status &= ~ROWSTAT_STATUS_FW_READY;
        s->status |= ROWSTAT_STATUS_HALTED;
        irq |= ROWSTAT_IRQ_FW;
    }
    return irq;
}

/* After a job, with s->lock: report it, or drop it if a reset came. */
static void job_end_locked(RowstatState *s, RowstatJob *job)
{
    uint32_t irq;

    if (job->generation == s->generation && job->res.status == ROWSTAT_OK) {
        write_fence(s, job);
    }
    s->busy = false;
    s->running = 0;
    s->status &= ~ROWSTAT_STATUS_BUSY;
    if (job->generation != s->generation || s->stopping) {
        /* A reset came: the job never happened, and the reset is done. */
        trace_rowstat_job_discarded(job->ring, job->seqno);
        if (s->resetting) {
            s->resetting = false;
            trace_rowstat_reset_done();
        }
        return;
    }
    irq = rowstat_raise_locked(s, finish_job(s, job));
    if (irq) {
        s->pending_irq |= irq;
        qemu_bh_schedule(s->notify_bh);
    }
}

static void *rowstat_worker(void *opaque)
{
    RowstatState *s = opaque;
    RowstatJob job;

    qemu_mutex_lock(&s->lock);
    while (!s->stopping) {
        int n = pick_ring(s);

        if (n < 0) {
            qemu_cond_wait(&s->work_cond, &s->lock);
            continue;
        }
        job_start_locked(s, &job, n);
        qemu_mutex_unlock(&s->lock);
        job_fetch(s, &job);
        trace_rowstat_job_start(job.ring, job.seqno, job.mem.ctx);
        job_run(s, &job);
        qemu_mutex_lock(&s->lock);
        job_end_locked(s, &job);
    }
    qemu_mutex_unlock(&s->lock);
    return NULL;
}

/* ---- firmware ---- */

static void heartbeat_tick(void *opaque)
{
    RowstatState *s = opaque;

    qemu_mutex_lock(&s->lock);
    if (ROWSTAT_FW_STATE(s->fw_status) == ROWSTAT_FW_STATE_RUNNING &&
        !s->hung) {
        s->heartbeat++;
        timer_mod(s->heartbeat_timer,
                  qemu_clock_get_us(QEMU_CLOCK_VIRTUAL) + s->fw.heartbeat_us);
    }
    qemu_mutex_unlock(&s->lock);
}

/*
 * Reads and checks the image at FW_ADDR.  The BQL held, s->lock not: it
 * reads guest memory (and only that: an image address that decodes to a
 * device's registers fails with DMA).
 */
static enum rowstat_fw_error firmware_load(RowstatState *s, uint64_t addr,
                                           uint32_t size,
                                           struct rs_hw_firmware *fw,
                                           struct rs_hw_params *hw,
                                           const char **why)
{
    enum rowstat_fw_error err;
    uint8_t *img;

    if (size > ROWSTAT_FW_MAX_BYTES ||
        size < sizeof(struct rowstat_fw_header)) {
        *why = "FW_SIZE outside the image limits";
        return ROWSTAT_FW_ERR_SIZE;
    }
    img = g_malloc(size);
    if (dma_rw(PCI_DEVICE(s), addr, img, size, false) != MEMTX_OK) {
        g_free(img);
        *why = "the image could not be read";
        return ROWSTAT_FW_ERR_DMA;
    }
    err = rs_hw_fw_parse(img, size,
                         ROWSTAT_VERSION(ROWSTAT_FW_ABI_MAJOR,
                                         ROWSTAT_FW_ABI_MINOR), fw, why);
    g_free(img);
    if (err != ROWSTAT_FW_OK) {
        return err;
    }
    *hw = s->hw_reset;
    rs_hw_fw_apply(fw, hw);
    if (rs_hw_params_check(hw, why)) {
        return ROWSTAT_FW_ERR_SECTION;
    }
    return ROWSTAT_FW_OK;
}

/*
 * Boots the image at FW_ADDR, from an MMIO write: s->lock held on entry
 * and on return, dropped while the image is read.  The parameters it
 * carries reach the model at the worker's next job: nothing here touches
 * the model.
 */
static uint32_t firmware_boot(RowstatState *s)
{
    struct rs_hw_firmware fw = { 0 };
    struct rs_hw_params hw;
    const char *why = "";
    uint64_t generation = s->generation, addr = s->fw_addr;
    uint32_t size = s->fw_size;
    enum rowstat_fw_error err;

    s->fw_status = ROWSTAT_FW_STATE_BOOTING;
    qemu_mutex_unlock(&s->lock);
    err = firmware_load(s, addr, size, &fw, &hw, &why);
    qemu_mutex_lock(&s->lock);
    if (generation != s->generation) {
        /* A reset (from another vCPU) came while the image was read. */
        return 0;
    }
    trace_rowstat_fw_boot(rs_hw_fw_error_name(err), fw.version);
    if (err != ROWSTAT_FW_OK) {
        qemu_log_mask(LOG_GUEST_ERROR, "rowstat: firmware refused (%s): %s\n",
                      rs_hw_fw_error_name(err), why);
        s->fw_status = ROWSTAT_FW_STATUS(ROWSTAT_FW_STATE_FAILED, err);
        return rowstat_raise_locked(s, ROWSTAT_IRQ_FW);
    }
    s->fw = fw;
    s->hw = hw;
    s->fw_version = fw.version;
    s->fw_status = ROWSTAT_FW_STATE_RUNNING;
    s->status |= ROWSTAT_STATUS_FW_READY;
    s->last_ring = s->nr_rings - 1;
    s->quantum_left = 0;
    timer_mod(s->heartbeat_timer,
              qemu_clock_get_us(QEMU_CLOCK_VIRTUAL) + fw.heartbeat_us);
    qemu_cond_signal(&s->work_cond);
    return rowstat_raise_locked(s, ROWSTAT_IRQ_FW);
}

/* ---- reset ---- */

/* Every register to its reset value (docs/hardware.md section 10). */
static void reset_registers(RowstatState *s)
{
    s->ctrl = 0;
    s->status = 0;
    s->irq_status = 0;
    s->irq_mask = 0;
    s->pending_irq = 0;
    s->heartbeat = 0;
    s->hung = false;
    s->fw_addr = 0;
    s->fw_size = 0;
    s->fw_status = ROWSTAT_FW_STATE_OFF;
    s->fw_version = 0;
    s->fault_addr = 0;
    s->fault_info = 0;
    s->fault_latched = false;
    memset(s->perf, 0, sizeof(s->perf));
    memset(s->perf_latch, 0, sizeof(s->perf_latch));
    memset(s->ring, 0, sizeof(s->ring));
    memset(s->ctx, 0, sizeof(s->ctx));
    memset(&s->fw, 0, sizeof(s->fw));
    s->hw = s->hw_reset;
    /* Round robin starts at ring 0. */
    s->last_ring = s->nr_rings - 1;
    s->quantum_left = 0;
    timer_del(s->heartbeat_timer);
}

/*
 * Abandons any job and resets the registers, without waiting for the
 * worker: the job is cancelled, and until the worker has left it the
 * device stays in reset (CTRL.RESET reads 1, writes are ignored).
 * s->lock held.
 */
static void rowstat_reset_locked(RowstatState *s)
{
    trace_rowstat_reset(s->busy);
    s->generation++;
    reset_registers(s);
    s->running = 0;
    if (s->busy) {
        qatomic_set(&s->cancel, 1);
        s->resetting = true;
    }
}

static void rowstat_qdev_reset(DeviceState *dev)
{
    RowstatState *s = ROWSTAT(dev);

    qemu_mutex_lock(&s->lock);
    rowstat_reset_locked(s);
    qemu_mutex_unlock(&s->lock);
}

/* ---- registers ---- */

static RowstatRing *ring_at(RowstatState *s, hwaddr addr)
{
    return &s->ring[(addr - ROWSTAT_REG_RING_BASE) / ROWSTAT_RING_STRIDE];
}

static RowstatContext *ctx_at(RowstatState *s, hwaddr addr)
{
    return &s->ctx[(addr - ROWSTAT_REG_CTX_BASE) / ROWSTAT_CTX_STRIDE];
}

static uint32_t ring_read(RowstatRing *r, hwaddr reg)
{
    switch (reg) {
    case ROWSTAT_RING_ADDR_LO:
        return r->addr;
    case ROWSTAT_RING_ADDR_HI:
        return r->addr >> 32;
    case ROWSTAT_RING_SIZE_LOG2:
        return r->size_log2;
    case ROWSTAT_RING_HEAD:
        return r->head;
    case ROWSTAT_RING_TAIL:
        return r->tail;
    case ROWSTAT_RING_CTRL:
        return r->ctrl;
    case ROWSTAT_RING_STATUS:
        return r->status;
    case ROWSTAT_RING_FENCE_ADDR_LO:
        return r->fence_addr;
    case ROWSTAT_RING_FENCE_ADDR_HI:
        return r->fence_addr >> 32;
    case ROWSTAT_RING_ERR_SEQ_LO:
        return r->err_seq;
    case ROWSTAT_RING_ERR_SEQ_HI:
        return r->err_seq >> 32;
    case ROWSTAT_RING_ERR_OFFSET:
        return r->err_offset;
    }
    return 0;
}

static uint32_t ctx_read(RowstatContext *c, hwaddr reg)
{
    switch (reg) {
    case ROWSTAT_CTX_PT_LO:
        return c->pt;
    case ROWSTAT_CTX_PT_HI:
        return c->pt >> 32;
    case ROWSTAT_CTX_CTRL:
        return c->ctrl;
    }
    return 0;
}

/* Identity and capabilities: what the device is and what it can do. */
static uint32_t cap_read(RowstatState *s, hwaddr addr)
{
    if (addr >= ROWSTAT_REG_ENERGY_MAC && addr <= ROWSTAT_REG_ENERGY_DRAM) {
        return s->hw.energy[(addr - ROWSTAT_REG_ENERGY_MAC) / 4];
    }
    if (addr >= ROWSTAT_REG_DECODE(0) &&
        addr < ROWSTAT_REG_DECODE(ROWSTAT_OP_LIMIT)) {
        return s->hw.decode_cycles[(addr - ROWSTAT_REG_DECODE(0)) / 4];
    }
    switch (addr) {
    case ROWSTAT_REG_ID:
        return ROWSTAT_ID_MAGIC;
    case ROWSTAT_REG_HW_VERSION:
        return ROWSTAT_VERSION(ROWSTAT_HW_VERSION_MAJOR,
                               ROWSTAT_HW_VERSION_MINOR);
    case ROWSTAT_REG_CMD_VERSION:
        return ROWSTAT_VERSION(ROWSTAT_CMD_VERSION_MAJOR,
                               ROWSTAT_CMD_VERSION_MINOR);
    case ROWSTAT_REG_FW_ABI:
        return ROWSTAT_VERSION(ROWSTAT_FW_ABI_MAJOR, ROWSTAT_FW_ABI_MINOR);
    case ROWSTAT_REG_CAP_ARRAY:
        return s->hw.array_rows | (s->hw.array_cols << 8);
    case ROWSTAT_REG_CAP_RF_FILTER:
        return s->hw.rf_filter;
    case ROWSTAT_REG_CAP_RF_IFMAP:
        return s->hw.rf_ifmap;
    case ROWSTAT_REG_CAP_RF_PSUM:
        return s->hw.rf_psum;
    case ROWSTAT_REG_CAP_GLB_BYTES:
        return s->hw.glb_bytes;
    case ROWSTAT_REG_CAP_PRECISIONS:
        return s->hw.precisions;
    case ROWSTAT_REG_CAP_CLOCK_KHZ:
        return s->hw.clock_khz;
    case ROWSTAT_REG_CAP_DRAM_BW:
        return s->hw.dram_bw;
    case ROWSTAT_REG_CAP_GLB_BW:
        return s->hw.glb_bw;
    case ROWSTAT_REG_CAP_RINGS:
        return s->nr_rings;
    case ROWSTAT_REG_CAP_CONTEXTS:
        return s->nr_contexts;
    case ROWSTAT_REG_CAP_VA_BITS:
        return s->hw.va_bits;
    }
    return 0;
}

static uint32_t reg_read(RowstatState *s, hwaddr addr)
{
    if (addr >= ROWSTAT_REG_RING_BASE &&
        addr < ROWSTAT_REG_RING(s->nr_rings, 0)) {
        return ring_read(ring_at(s, addr),
                         (addr - ROWSTAT_REG_RING_BASE) % ROWSTAT_RING_STRIDE);
    }
    if (addr >= ROWSTAT_REG_CTX_BASE &&
        addr < ROWSTAT_REG_CTX(s->nr_contexts, 0)) {
        return ctx_read(ctx_at(s, addr),
                        (addr - ROWSTAT_REG_CTX_BASE) % ROWSTAT_CTX_STRIDE);
    }
    if (addr >= ROWSTAT_REG_PERF_BASE &&
        addr < ROWSTAT_REG_PERF_LO(ROWSTAT_PERF_COUNT)) {
        uint64_t v = s->perf_latch[(addr - ROWSTAT_REG_PERF_BASE) / 8];

        return (addr & 4) ? v >> 32 : v;
    }
    switch (addr) {
    case ROWSTAT_REG_CTRL:
        return s->ctrl | (s->resetting ? ROWSTAT_CTRL_RESET : 0);
    case ROWSTAT_REG_STATUS:
        return s->status;
    case ROWSTAT_REG_IRQ_STATUS:
        return s->irq_status;
    case ROWSTAT_REG_IRQ_MASK:
        return s->irq_mask;
    case ROWSTAT_REG_HEARTBEAT:
        return s->heartbeat;
    case ROWSTAT_REG_RUNNING:
        return s->running;
    case ROWSTAT_REG_FW_ADDR_LO:
        return s->fw_addr;
    case ROWSTAT_REG_FW_ADDR_HI:
        return s->fw_addr >> 32;
    case ROWSTAT_REG_FW_SIZE:
        return s->fw_size;
    case ROWSTAT_REG_FW_STATUS:
        return s->fw_status;
    case ROWSTAT_REG_FW_VERSION:
        return s->fw_version;
    case ROWSTAT_REG_FAULT_ADDR_LO:
        return s->fault_addr;
    case ROWSTAT_REG_FAULT_ADDR_HI:
        return s->fault_addr >> 32;
    case ROWSTAT_REG_FAULT_INFO:
        return s->fault_info;
    }
    return cap_read(s, addr);
}

static uint64_t set_lo(uint64_t old, uint32_t v)
{
    return (old & ~0xffffffffull) | v;
}

static uint64_t set_hi(uint64_t old, uint32_t v)
{
    return (old & 0xffffffffull) | ((uint64_t)v << 32);
}

static void bad_write(hwaddr addr, uint32_t val, const char *why)
{
    qemu_log_mask(LOG_GUEST_ERROR,
                  "rowstat: write 0x%x to 0x%" HWADDR_PRIx " ignored: %s\n",
                  val, addr, why);
}

static void ring_write(RowstatState *s, hwaddr addr, uint32_t val)
{
    RowstatRing *r = ring_at(s, addr);

    switch ((addr - ROWSTAT_REG_RING_BASE) % ROWSTAT_RING_STRIDE) {
    case ROWSTAT_RING_ADDR_LO:
        r->addr = set_lo(r->addr, val & ~63u);
        break;
    case ROWSTAT_RING_ADDR_HI:
        r->addr = set_hi(r->addr, val);
        break;
    case ROWSTAT_RING_SIZE_LOG2:
        if (val >= 1 && val <= ROWSTAT_RING_MAX_SIZE_LOG2) {
            r->size_log2 = val;
        } else {
            bad_write(addr, val, "ring SIZE_LOG2 outside 1..12");
        }
        break;
    case ROWSTAT_RING_CTRL:
        if ((val & ROWSTAT_RING_CTRL_RESUME) &&
            (r->status & ROWSTAT_RING_STATUS_HALTED)) {
            r->head++;
            r->status = 0;
        }
        r->ctrl = val & ~ROWSTAT_RING_CTRL_RESUME;
        qemu_cond_signal(&s->work_cond);
        break;
    case ROWSTAT_RING_FENCE_ADDR_LO:
        r->fence_addr = set_lo(r->fence_addr, val & ~7u);
        break;
    case ROWSTAT_RING_FENCE_ADDR_HI:
        r->fence_addr = set_hi(r->fence_addr, val);
        break;
    default:
        bad_write(addr, val, "read-only ring register");
    }
}

static void doorbell_write(RowstatState *s, hwaddr addr, uint32_t val)
{
    RowstatRing *r = &s->ring[(addr - ROWSTAT_REG_DOORBELL_BASE) / 4];

    /*
     * A doorbell past the ring's capacity is ignored, and so is one that
     * takes back entries already published: TAIL never moves back.
     */
    if (!(s->ctrl & ROWSTAT_CTRL_ENABLE) || !r->size_log2 ||
        val - r->head > (1u << r->size_log2) ||
        val - r->head < r->tail - r->head) {
        bad_write(addr, val, "doorbell while disabled, past capacity or back");
        return;
    }
    r->tail = val;
    qemu_cond_signal(&s->work_cond);
}

static void ctx_write(RowstatState *s, hwaddr addr, uint32_t val)
{
    RowstatContext *c = ctx_at(s, addr);

    switch ((addr - ROWSTAT_REG_CTX_BASE) % ROWSTAT_CTX_STRIDE) {
    case ROWSTAT_CTX_PT_LO:
        c->pt = set_lo(c->pt, val & ~0xfffu);
        break;
    case ROWSTAT_CTX_PT_HI:
        c->pt = set_hi(c->pt, val);
        break;
    case ROWSTAT_CTX_CTRL:
        c->ctrl = val & ROWSTAT_CTX_CTRL_ENABLE;
        break;
    default:
        bad_write(addr, val, "no context register there");
    }
}

/* Control, interrupts, firmware and counters: returns causes to notify. */
static uint32_t control_write(RowstatState *s, hwaddr addr, uint32_t val)
{
    uint32_t newly;

    switch (addr) {
    case ROWSTAT_REG_CTRL:
        if (val & ROWSTAT_CTRL_RESET) {
            rowstat_reset_locked(s);
            return 0;
        }
        s->ctrl = val & ROWSTAT_CTRL_ENABLE;
        qemu_cond_signal(&s->work_cond);
        return 0;
    case ROWSTAT_REG_IRQ_STATUS:
        s->irq_status &= ~val;
        if (val & ROWSTAT_IRQ_MMU_FAULT) {
            s->fault_latched = false;
        }
        return 0;
    case ROWSTAT_REG_IRQ_MASK:
        /* Masked causes are not sent; those the bottom half will send, once. */
        s->pending_irq &= val;
        newly = val & ~s->irq_mask & s->irq_status & ~s->pending_irq;
        s->irq_mask = val;
        return newly;
    case ROWSTAT_REG_FW_ADDR_LO:
        s->fw_addr = set_lo(s->fw_addr, val);
        return 0;
    case ROWSTAT_REG_FW_ADDR_HI:
        s->fw_addr = set_hi(s->fw_addr, val);
        return 0;
    case ROWSTAT_REG_FW_SIZE:
        s->fw_size = val;
        return 0;
    case ROWSTAT_REG_FW_CTRL:
        if (!(val & ROWSTAT_FW_CTRL_BOOT)) {
            return 0;
        }
        if (ROWSTAT_FW_STATE(s->fw_status) == ROWSTAT_FW_STATE_RUNNING ||
            (s->status & ROWSTAT_STATUS_HALTED)) {
            bad_write(addr, val, "boot while running or halted");
            return 0;
        }
        return firmware_boot(s);
    case ROWSTAT_REG_MMU_INVALIDATE:
        /* Translations are cached only within a job. */
        return 0;
    case ROWSTAT_REG_PERF_CTRL:
        if (val & ROWSTAT_PERF_SNAPSHOT) {
            memcpy(s->perf_latch, s->perf, sizeof(s->perf));
        }
        if (val & ROWSTAT_PERF_CLEAR) {
            memset(s->perf, 0, sizeof(s->perf));
        }
        return 0;
    }
    bad_write(addr, val, "read-only or undefined register");
    return 0;
}

/* Returns interrupt causes to notify.  Needs s->lock (and the BQL). */
static uint32_t reg_write(RowstatState *s, hwaddr addr, uint32_t val)
{
    if (s->resetting) {
        bad_write(addr, val, "the device is still resetting");
        return 0;
    }
    if (addr >= ROWSTAT_REG_RING_BASE &&
        addr < ROWSTAT_REG_RING(s->nr_rings, 0)) {
        ring_write(s, addr, val);
        return 0;
    }
    if (addr >= ROWSTAT_REG_DOORBELL_BASE &&
        addr < ROWSTAT_REG_DOORBELL(s->nr_rings)) {
        doorbell_write(s, addr, val);
        return 0;
    }
    if (addr >= ROWSTAT_REG_CTX_BASE &&
        addr < ROWSTAT_REG_CTX(s->nr_contexts, 0)) {
        ctx_write(s, addr, val);
        return 0;
    }
    return control_write(s, addr, val);
}

static uint64_t rowstat_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    RowstatState *s = opaque;
    uint32_t val;

    qemu_mutex_lock(&s->lock);
    val = reg_read(s, addr);
    qemu_mutex_unlock(&s->lock);
    trace_rowstat_mmio_read(addr, val);
    return val;
}

static void rowstat_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                               unsigned size)
{
    RowstatState *s = opaque;
    uint32_t irq;

    trace_rowstat_mmio_write(addr, (uint32_t)val);
    qemu_mutex_lock(&s->lock);
    irq = reg_write(s, addr, val);
    qemu_mutex_unlock(&s->lock);
    rowstat_notify(s, irq);
}

static const MemoryRegionOps rowstat_mmio_ops = {
    .read = rowstat_mmio_read,
    .write = rowstat_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 4,
        .unaligned = false,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

/* ---- lifetime ---- */

/* The configuration the properties describe, checked. */
static bool rowstat_configure(RowstatState *s, Error **errp)
{
    const char *why;

    rs_hw_params_default(&s->hw_reset);
    s->hw_reset.array_rows = s->rows;
    s->hw_reset.array_cols = s->cols;
    s->hw_reset.rf_filter = s->rf_filter;
    s->hw_reset.rf_ifmap = s->rf_ifmap;
    s->hw_reset.rf_psum = s->rf_psum;
    s->hw_reset.glb_bytes = s->glb_kib * KiB;
    s->hw_reset.clock_khz = s->clock_khz;
    s->hw_reset.dram_bw = s->dram_bw;
    s->hw_reset.glb_bw = s->glb_bw;
    s->hw_reset.va_bits = ROWSTAT_VA_BITS;
    if (rs_hw_params_check(&s->hw_reset, &why)) {
        error_setg(errp, "rowstat: %s", why);
        return false;
    }
    if (s->nr_rings < 1 || s->nr_rings > ROWSTAT_MAX_RINGS) {
        error_setg(errp, "rowstat: rings must be 1..%d", ROWSTAT_MAX_RINGS);
        return false;
    }
    if (s->nr_contexts < 1 || s->nr_contexts > ROWSTAT_MAX_CONTEXTS) {
        error_setg(errp, "rowstat: contexts must be 1..%d",
                   ROWSTAT_MAX_CONTEXTS);
        return false;
    }
    s->hw = s->hw_reset;
    return true;
}

static void rowstat_realize(PCIDevice *pdev, Error **errp)
{
    RowstatState *s = ROWSTAT(pdev);

    if (!rowstat_configure(s, errp)) {
        return;
    }
    s->model = rs_model_create(&s->hw);
    if (!s->model) {
        error_setg(errp, "rowstat: cannot allocate the model");
        return;
    }
    /* A PCI Express endpoint, and its capability says so. */
    if (pcie_endpoint_cap_init(pdev, 0) < 0) {
        error_setg(errp, "rowstat: cannot add the PCIe capability");
        rs_model_destroy(s->model);
        return;
    }
    if (msix_init_exclusive_bar(pdev, ROWSTAT_MSIX_VECTORS(s->nr_rings),
                                ROWSTAT_BAR_MSIX, errp)) {
        pcie_cap_exit(pdev);
        rs_model_destroy(s->model);
        return;
    }
    for (unsigned v = 0; v < ROWSTAT_MSIX_VECTORS(s->nr_rings); v++) {
        msix_vector_use(pdev, v);
    }
    memory_region_init_io(&s->mmio, OBJECT(s), &rowstat_mmio_ops, s,
                          "rowstat-regs", ROWSTAT_BAR_REGS_SIZE);
    pci_register_bar(pdev, ROWSTAT_BAR_REGS, PCI_BASE_ADDRESS_SPACE_MEMORY,
                     &s->mmio);
    s->heartbeat_timer = timer_new_us(QEMU_CLOCK_VIRTUAL, heartbeat_tick, s);
    s->notify_bh = qemu_bh_new(rowstat_notify_bh, s);
    qemu_mutex_init(&s->lock);
    qemu_cond_init(&s->work_cond);
    qemu_thread_create(&s->worker, "rowstat", rowstat_worker, s,
                       QEMU_THREAD_JOINABLE);
}

static void rowstat_exit(PCIDevice *pdev)
{
    RowstatState *s = ROWSTAT(pdev);

    /* The worker never takes the BQL, so it can be joined holding it. */
    qemu_mutex_lock(&s->lock);
    s->stopping = true;
    qatomic_set(&s->cancel, 1);
    qemu_cond_signal(&s->work_cond);
    qemu_mutex_unlock(&s->lock);
    qemu_thread_join(&s->worker);
    qemu_bh_delete(s->notify_bh);
    qemu_cond_destroy(&s->work_cond);
    qemu_mutex_destroy(&s->lock);
    timer_free(s->heartbeat_timer);
    msix_unuse_all_vectors(pdev);
    msix_uninit_exclusive_bar(pdev);
    pcie_cap_exit(pdev);
    rs_model_destroy(s->model);
}

#define PROP(name, field, value) \
    DEFINE_PROP_UINT32(name, RowstatState, field, value)

/* Newer QEMUs take a const array without the terminator entry. */
#ifdef DEFINE_PROP_END_OF_LIST
static Property rowstat_properties[] = {
#else
static const Property rowstat_properties[] = {
#endif
    PROP("rows", rows, ROWSTAT_DEFAULT_ARRAY_ROWS),
    PROP("cols", cols, ROWSTAT_DEFAULT_ARRAY_COLS),
    PROP("rf-filter", rf_filter, ROWSTAT_DEFAULT_RF_FILTER),
    PROP("rf-ifmap", rf_ifmap, ROWSTAT_DEFAULT_RF_IFMAP),
    PROP("rf-psum", rf_psum, ROWSTAT_DEFAULT_RF_PSUM),
    PROP("glb-kib", glb_kib, ROWSTAT_DEFAULT_GLB_BYTES / 1024),
    PROP("clock-khz", clock_khz, ROWSTAT_DEFAULT_CLOCK_KHZ),
    PROP("dram-bw", dram_bw, ROWSTAT_DEFAULT_DRAM_BW),
    PROP("glb-bw", glb_bw, ROWSTAT_DEFAULT_GLB_BW),
    PROP("rings", nr_rings, ROWSTAT_DEFAULT_RINGS),
    PROP("contexts", nr_contexts, ROWSTAT_DEFAULT_CONTEXTS),
    PROP("fault-hang-job", fault_hang_job, 0),
    PROP("fault-dma-job", fault_dma_job, 0),
    PROP("fault-completion-job", fault_completion_job, 0),
    PROP("fault-fw-crash-job", fault_fw_crash_job, 0),
#ifdef DEFINE_PROP_END_OF_LIST
    DEFINE_PROP_END_OF_LIST(),
#endif
};

static const VMStateDescription vmstate_rowstat = {
    .name = TYPE_ROWSTAT,
    .unmigratable = 1,
};

static void rowstat_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = rowstat_realize;
    k->exit = rowstat_exit;
    k->vendor_id = ROWSTAT_PCI_VENDOR_ID;
    k->device_id = ROWSTAT_PCI_DEVICE_ID;
    k->revision = ROWSTAT_PCI_REVISION;
    k->class_id = ROWSTAT_PCI_CLASS;
    dc->desc = "rowstat row-stationary DNN accelerator";
    device_class_set_legacy_reset(dc, rowstat_qdev_reset);
    dc->vmsd = &vmstate_rowstat;
    device_class_set_props(dc, rowstat_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static void rowstat_register_types(void)
{
    /* PCI Express only: realize adds the PCIe capability. */
    static InterfaceInfo interfaces[] = {
        { INTERFACE_PCIE_DEVICE },
        { },
    };
    static const TypeInfo rowstat_info = {
        .name = TYPE_ROWSTAT,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(RowstatState),
        .class_init = rowstat_class_init,
        .interfaces = interfaces,
    };

    type_register_static(&rowstat_info);
}

type_init(rowstat_register_types)
