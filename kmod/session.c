// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma sessions (wire version 2): the transfers the receiver admitted,
 * which are the only ones the kfunc places.
 *
 * A session is installed by the descriptor that admitted it (serve, after
 * its handshake) with its id, volume, key, the blocks it may write and its
 * idle limit, and belongs to that descriptor: closing it deletes them all.
 * The table is an rhashtable read under RCU by the kfunc and changed under
 * sessions_lock.  Each write of a session holds a reference of its @users
 * (a percpu_ref: no shared line per datagram); deletion unhashes the
 * session and kills it, and it is freed a grace period after its last
 * write completed.
 *
 * What a session's blocks are, and which one a datagram may place (exactly
 * once), is session_blocks.c's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/bitmap.h>
#include <linux/capability.h>
#include <linux/jiffies.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"
#include "uapi/ebpfdma_wire.h"

/* Serialises additions and deletions; lookups are RCU. */
static DEFINE_MUTEX(sessions_lock);
/* Every session, for deletion by owner, under sessions_lock. */
static LIST_HEAD(sessions_list);
static struct rhashtable sessions;
/* Sessions are freed here, a grace period after their last write. */
static struct workqueue_struct *session_wq;
/* Was a session ever added?  Then its free may still be on its way. */
static bool sessions_used;

static const struct rhashtable_params session_params = {
	.key_len = sizeof(u64),
	.key_offset = offsetof(struct ebpfdma_session, id),
	.head_offset = offsetof(struct ebpfdma_session, node),
	.automatic_shrinking = true,
};

static void session_free_work(struct work_struct *work)
{
	struct ebpfdma_session *s = container_of(
		to_rcu_work(work), struct ebpfdma_session, free_work);

	percpu_ref_exit(&s->users);
	if (s->mac)
		crypto_free_shash(s->mac);
	memzero_explicit(s->key, sizeof(s->key));
	kvfree(s->placed);
	kfree(s);
}

static void session_release(struct percpu_ref *ref)
{
	struct ebpfdma_session *s =
		container_of(ref, struct ebpfdma_session, users);

	queue_rcu_work(session_wq, &s->free_work);
}

/**
 * ebpfdma_session_lookup() - the live session @id
 * @id: from the datagram (untrusted)
 *
 * Context: under rcu_read_lock().
 * Return: the session, valid until rcu_read_unlock() (take a write's
 * reference with ebpfdma_session_tryget() to keep it), or NULL.
 */
struct ebpfdma_session *ebpfdma_session_lookup(u64 id)
{
	return rhashtable_lookup(&sessions, &id, session_params);
}

/* A write's reference, unless the session is being deleted.  Under RCU. */
bool ebpfdma_session_tryget(struct ebpfdma_session *s)
{
	return percpu_ref_tryget_live_rcu(&s->users);
}

void ebpfdma_session_put(struct ebpfdma_session *s)
{
	percpu_ref_put(&s->users);
}

static bool key_is_zero(const u8 *key)
{
	return !memchr_inv(key, 0, EBPFDMA_WIRE2_KEY_LEN);
}

/**
 * ebpfdma_ioctl_session_add() - EBPFDMA_IOC_SESSION_ADD
 * @ring: the descriptor's ring (its completions go there)
 * @owner: the descriptor, which deletes it when it closes
 * @slot_size: the descriptor's pool's slot size
 * @arg: struct ebpfdma_session_add (user)
 *
 * Context: process context.
 * Return: 0 or the errno the ABI documents.
 */
long ebpfdma_ioctl_session_add(struct ebpfdma_ring *ring, unsigned long owner,
			       u32 slot_size, void __user *arg)
{
	struct ebpfdma_session_add req;
	struct ebpfdma_session *s;
	struct ebpfdma_volume *v;
	unsigned int i;
	u64 window;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	for (i = 0; i < ARRAY_SIZE(req.reserved); i++)
		if (req.reserved[i])
			return -EINVAL;
	if (req.flags & ~EBPFDMA_SESSION_F_ALL || req.pad)
		return -EINVAL;
	if (!req.id || req.protect > EBPFDMA_PROTECT_MAX ||
	    (req.protect == EBPFDMA_PROTECT_CRC) != key_is_zero(req.key))
		return -EINVAL;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s) {
		ret = -ENOMEM;
		goto err_wipe;
	}
	s->id = req.id;
	s->protect = req.protect;
	s->runs = req.flags & EBPFDMA_SESSION_F_RUNS;
	memcpy(s->key, req.key, sizeof(s->key));
	s->lba = req.lba;
	s->block_size = req.block_size;
	s->idle = msecs_to_jiffies(req.idle_ms);
	s->active = jiffies;
	s->ring = ring;
	s->owner = owner;
	INIT_RCU_WORK(&s->free_work, session_free_work);

	rcu_read_lock();
	v = ebpfdma_volume_lookup(req.volume);
	if (v) {
		s->vol_id = v->id;
		s->vol_serial = v->serial;
		s->block_shift = v->block_shift;
		window = v->blocks;
	}
	rcu_read_unlock();
	ret = -ENODEV;
	if (!v)
		goto err_free_session;
	ret = ebpfdma_session_geometry(s, req.length, window, slot_size);
	if (ret)
		goto err_free_session;
	s->placed =
		kvcalloc(BITS_TO_LONGS(s->blocks), sizeof(long), GFP_KERNEL);
	ret = -ENOMEM;
	if (!s->placed)
		goto err_free_session;
	if (s->protect == EBPFDMA_PROTECT_MAC) {
		s->mac = ebpfdma_mac_alloc(s->key);
		if (IS_ERR(s->mac)) {
			ret = PTR_ERR(s->mac);
			s->mac = NULL;
			pr_warn("session: keyed BLAKE2b unavailable (%d)\n",
				ret);
			goto err_free_bitmap;
		}
	}
	ret = percpu_ref_init(&s->users, session_release, 0, GFP_KERNEL);
	if (ret)
		goto err_free_mac;

	mutex_lock(&sessions_lock);
	ret = rhashtable_lookup_insert_fast(&sessions, &s->node,
					    session_params);
	if (!ret) {
		list_add(&s->list, &sessions_list);
		sessions_used = true;
	}
	mutex_unlock(&sessions_lock);
	if (ret)
		goto err_exit_ref;
	memzero_explicit(&req, sizeof(req));
	return 0;

err_exit_ref:
	percpu_ref_exit(&s->users);
err_free_mac:
	if (s->mac)
		crypto_free_shash(s->mac);
err_free_bitmap:
	kvfree(s->placed);
err_free_session:
	memzero_explicit(s->key, sizeof(s->key));
	kfree(s);
err_wipe:
	memzero_explicit(&req, sizeof(req));
	return ret;
}

/* Unhash and kill @s; its writes complete, then it is freed.  Locked. */
static void session_del_locked(struct ebpfdma_session *s)
{
	lockdep_assert_held(&sessions_lock);
	rhashtable_remove_fast(&sessions, &s->node, session_params);
	list_del(&s->list);
	percpu_ref_kill(&s->users);
}

long ebpfdma_ioctl_session_del(unsigned long owner, void __user *arg)
{
	struct ebpfdma_session_del req;
	struct ebpfdma_session *s;
	int ret = -ENOENT;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.reserved[0] || req.reserved[1] || req.reserved[2])
		return -EINVAL;
	mutex_lock(&sessions_lock);
	s = rhashtable_lookup_fast(&sessions, &req.id, session_params);
	if (s && s->owner == owner) {
		session_del_locked(s);
		ret = 0;
	}
	mutex_unlock(&sessions_lock);
	/* The kfunc places under RCU: after this, it places no more of it. */
	if (!ret)
		synchronize_rcu();
	return ret;
}

/**
 * ebpfdma_sessions_del_owner() - delete every session @owner added
 * @owner: a descriptor being closed
 *
 * When this returns, the kfunc places no more datagrams of them (it
 * places under RCU); what it placed before still completes.
 * Context: process context, may sleep.
 */
void ebpfdma_sessions_del_owner(unsigned long owner)
{
	struct ebpfdma_session *s, *tmp;

	bool any = false;

	mutex_lock(&sessions_lock);
	list_for_each_entry_safe(s, tmp, &sessions_list, list) {
		if (s->owner == owner) {
			session_del_locked(s);
			any = true;
		}
	}
	mutex_unlock(&sessions_lock);
	if (any)
		synchronize_rcu();
}

/* Does @owner hold session @id?  Under RCU. */
struct ebpfdma_session *ebpfdma_session_of(u64 id, unsigned long owner)
{
	struct ebpfdma_session *s = ebpfdma_session_lookup(id);

	return s && s->owner == owner ? s : NULL;
}

int ebpfdma_sessions_init(void)
{
	int ret;

	session_wq = alloc_workqueue(KBUILD_MODNAME "_session", 0, 0);
	if (!session_wq)
		return -ENOMEM;
	ret = rhashtable_init(&sessions, &session_params);
	if (ret)
		destroy_workqueue(session_wq);
	return ret;
}

/*
 * Every descriptor is closed, so every session deleted, before this.  A
 * release may come from percpu_ref_kill()'s RCU callback and queues the
 * free after one more grace period: two barriers, then the frees.  Module
 * exit runs alone: @sessions_used needs no lock here.
 */
void ebpfdma_sessions_exit(void)
{
	/* No session since the module loaded: nothing can be in flight. */
	if (sessions_used) {
		rcu_barrier();
		rcu_barrier();
	}
	destroy_workqueue(session_wq);
	rhashtable_destroy(&sessions);
}
