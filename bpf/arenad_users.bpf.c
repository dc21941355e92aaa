// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Who uses which arena, read with BPF iterators, as bpftool's pid_iter
 * does: programs (iter/bpf_prog, their used_maps), processes holding an
 * fd on an arena map (iter/task_file) and processes with an arena mapped
 * (iter/task_vma). Iterators need CAP_BPF and CAP_PERFMON only, where the
 * id-walking syscalls (BPF_PROG_GET_NEXT_ID) need CAP_SYS_ADMIN and other
 * users' /proc/PID/fdinfo needs ptrace rights.
 *
 * Each program writes struct arenad_user_rec records; user space adds them
 * up per arena.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "arenad_users.h"

/*
 * A file is a BPF map iff its f_op is bpf_map_fops. That symbol's address
 * comes from /proc/kallsyms, which the service's sandbox hides
 * (ProcSubset=pid) and which shows zeros without CAP_SYSLOG. So it is
 * learned instead: before the first real run, the daemon runs the
 * task_file iterator once with learn_pid/learn_fd naming a map fd it holds,
 * and the program copies that file's f_op.
 */
__u64 map_fops;
__s32 learn_pid;
__s32 learn_fd;

#define MAX_USED_MAPS 64	/* used_maps looked at per program */

/* The map's id if it is an arena, else 0. */
static __u32 arena_id(__u64 map)
{
	__u32 type = 0, id = 0;

	if (!map ||
	    bpf_probe_read_kernel(&type, sizeof(type),
				  (void *)(map + bpf_core_field_offset(struct bpf_map, map_type))) ||
	    type != BPF_MAP_TYPE_ARENA ||
	    bpf_probe_read_kernel(&id, sizeof(id),
				  (void *)(map + bpf_core_field_offset(struct bpf_map, id))))
		return 0;
	return id;
}

struct prog_ctx {
	struct seq_file *seq;
	__u64 maps;		/* struct bpf_map ** */
	__u32 n;
	struct arenad_user_rec rec;
};

static long prog_map(__u64 i, struct prog_ctx *c)
{
	__u64 map = 0;

	if (i >= c->n)
		return 1;
	if (bpf_probe_read_kernel(&map, sizeof(map), (void *)(c->maps + i * sizeof(map))))
		return 1;
	c->rec.map_id = arena_id(map);
	if (c->rec.map_id)
		bpf_seq_write(c->seq, &c->rec, sizeof(c->rec));
	return 0;
}

SEC("iter/bpf_prog")
int arenad_progs(struct bpf_iter__bpf_prog *ctx)
{
	struct bpf_prog *prog = ctx->prog;
	struct prog_ctx c = { .seq = ctx->meta->seq };
	struct bpf_prog_aux *aux;

	if (!prog)
		return 0;
	aux = prog->aux;
	c.rec.kind = ARENAD_USER_PROG;
	c.rec.id = aux->id;
	c.rec.type = prog->type;
	bpf_probe_read_kernel_str(c.rec.name, sizeof(c.rec.name), aux->name);
	/* used_maps only grows (BPF_PROG_BIND_MAP); a stale count reads at
	 * most one pointer too few, and every read is a checked probe. */
	c.n = aux->used_map_cnt;
	c.maps = (__u64)aux->used_maps;
	if (c.n > MAX_USED_MAPS)
		c.n = MAX_USED_MAPS;
	bpf_loop(c.n, prog_map, &c, 0);
	return 0;
}

/* The arena id behind a map file, else 0. */
static __u32 file_arena(struct file *file)
{
	if (!map_fops || (__u64)file->f_op != map_fops)
		return 0;
	return arena_id((__u64)file->private_data);
}

static void emit_task(struct seq_file *seq, struct task_struct *task, __u32 kind, __u32 map_id)
{
	struct arenad_user_rec rec = { .kind = kind, .map_id = map_id, .id = task->tgid };

	bpf_probe_read_kernel_str(rec.name, sizeof(rec.name), BPF_CORE_READ(task, group_leader, comm));
	bpf_seq_write(seq, &rec, sizeof(rec));
}

SEC("iter/task_file")
int arenad_task_files(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	__u32 id;

	if (!task || !file)
		return 0;
	if (!map_fops) {
		if (task->tgid == learn_pid && ctx->fd == (__u32)learn_fd)
			map_fops = (__u64)file->f_op;
		return 0;
	}
	id = file_arena(file);
	if (id)
		emit_task(ctx->meta->seq, task, ARENAD_USER_FD, id);
	return 0;
}

SEC("iter/task_vma")
int arenad_task_vmas(struct bpf_iter__task_vma *ctx)
{
	struct task_struct *task = ctx->task;
	struct vm_area_struct *vma = ctx->vma;
	struct file *file;
	__u32 id;

	if (!task || !vma)
		return 0;
	file = vma->vm_file;
	if (!file)
		return 0;
	/* An arena is mmapped from its map fd: the vma keeps that file
	 * even after the process closed the fd. */
	id = file_arena(file);
	if (id)
		emit_task(ctx->meta->seq, task, ARENAD_USER_VMA, id);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
