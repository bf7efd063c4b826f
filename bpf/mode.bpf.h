// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mode.bpf.h - what the mode (enforce, audit, redirect) makes of a connect
 * that nothing allowed: refused, let through and reported, or pointed at
 * the host's MTA.
 *
 * Included by smtpguard.bpf.c only, after dest.bpf.h (the namespace and
 * binding tests) and events.bpf.h (every outcome is recorded).
 */
#ifndef SMTPGUARD_BPF_MODE_H
#define SMTPGUARD_BPF_MODE_H

/*
 * Can this connect be redirected? There must be a target for its family, the
 * socket must be in the host's network namespace (the target is this host's
 * MTA), and not bound to an interface other than lo: the target is meant to
 * be reached on this host, not out of a chosen interface.
 */
static __always_inline bool can_redirect(struct bpf_sock_addr *ctx, const struct sg_addr *dst)
{
	if (!routed_freely(ctx) || !in_host_netns(ctx))
		return false;
	if (sg_addr_is_v4mapped(dst))
		return sg_settings.redirect_ip4 != 0;
	return sg_settings.redirect_ip6[0] | sg_settings.redirect_ip6[1] |
	       sg_settings.redirect_ip6[2] | sg_settings.redirect_ip6[3];
}

/*
 * What the mode makes of a connect the allowlists did not allow (an
 * SG_ACTION_*: refused, audited or redirected), counted and reported. A
 * redirect that cannot happen is a refusal, and is recorded as one.
 */
static __always_inline __u32 mode_action(struct bpf_sock_addr *ctx, const struct sg_addr *dst,
					 __u16 port, __u8 family, __u64 uid_gid, __u8 ev_flags)
{
	struct origin caller = { .task = true };
	__u32 mode = sg_settings.mode;
	__u32 action = SG_ACTION_BLOCKED;

	if (mode == SG_MODE_AUDIT)
		action = SG_ACTION_AUDITED;
	else if (mode == SG_MODE_REDIRECT && can_redirect(ctx, dst))
		action = SG_ACTION_REDIRECTED;

	record_attempt(dst, port, family, action, uid_gid, ev_flags, &caller);
	return action;
}

/*
 * Point a connect at the redirect target of its family (can_redirect() made
 * sure there is one); a v4-mapped connect6 stays v4-mapped: ::ffff:<the IPv4
 * target>. The branches go by family, a constant in each hook, and not by
 * the destination alone: connect4 must not even contain a write to
 * user_ip6, which its verifier refuses, and older verifiers cannot tell from
 * the stack that connect4's destination is always v4-mapped.
 */
static __always_inline void redirect(struct bpf_sock_addr *ctx, const struct sg_addr *dst,
				     __u8 family)
{
	__u16 port = sg_settings.redirect_port4;

	if (family == 4) {
		ctx->user_ip4 = sg_settings.redirect_ip4;
	} else if (sg_addr_is_v4mapped(dst)) {
		ctx->user_ip6[3] = sg_settings.redirect_ip4;
	} else {
		ctx->user_ip6[0] = sg_settings.redirect_ip6[0];
		ctx->user_ip6[1] = sg_settings.redirect_ip6[1];
		ctx->user_ip6[2] = sg_settings.redirect_ip6[2];
		ctx->user_ip6[3] = sg_settings.redirect_ip6[3];
		port = sg_settings.redirect_port6;
	}
	if (port)
		ctx->user_port = bpf_htons(port);
}

#endif /* SMTPGUARD_BPF_MODE_H */
