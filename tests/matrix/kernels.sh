# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# tests/matrix/kernels.sh - the kernels of the matrix, sourced after lib.sh.
# Each is a Debian cloud kernel: its package is downloaded (apt-get
# download, never installed on this machine), and only the kernel image,
# its config, veth.ko and nftables' NAT modules (nf/, with nf/order) are
# kept, under /var/cache/smtpguard/kernels/NAME.

# NAME  SUITE  METAPACKAGE (what "apt-get install" would pull in there)
kernel_table() {
	cat <<'EOF'
5.10 bullseye linux-image-cloud-amd64
6.1 bookworm linux-image-cloud-amd64
6.12 bookworm linux-image-6.12-cloud-amd64
EOF
}

kernel_names() {
	kernel_table | awk '{ printf "%s%s", sep, $1; sep = " " }'
}

# The userland each kernel's guest runs: the Debian release it ships with.
kernel_suite() {
	kernel_table | awk -v k="$1" '$1 == k { print $2 }'
}

# kernel_unpack_ko FILE OUT: a module, uncompressed, to OUT.
kernel_unpack_ko() {
	case "$1" in
	*.xz) xz -dc "$1" >"$2" ;;
	*.zst) zstd -qdc "$1" >"$2" ;;
	*) cp "$1" "$2" ;;
	esac
}

# kernel_nf_modules MODDIR OUT: what "nft ... dnat to" needs in a container's
# namespace (nft_chain_nat, nft_nat and the modules they depend on, read from
# each one's .modinfo), uncompressed into OUT; OUT/order lists them in load
# order, dependencies first.
kernel_nf_modules() {
	local moddir=$1 out=$2 seen=" " order=""
	mkdir -p "$out" || return 1
	nf_add() {
		local m=$1 f deps d
		[[ "$seen" == *" $m "* ]] && return 0
		seen="$seen$m "
		f=$(find "$moddir" -name "$m.ko*" | head -n 1)
		[ -n "$f" ] || f=$(find "$moddir" -name "${m//_/-}.ko*" | head -n 1)
		[ -n "$f" ] && kernel_unpack_ko "$f" "$out/$m.ko" || {
			echo "no module $m under $moddir" >&2
			return 1
		}
		objcopy -O binary --only-section=.modinfo "$out/$m.ko" "$out/.modinfo" || return 1
		deps=$(tr '\0' '\n' <"$out/.modinfo" | sed -n 's/^depends=//p' | tr ',' ' ')
		for d in $deps; do nf_add "$d" || return 1; done
		order="$order$m "
	}
	nf_add nft_chain_nat && nf_add nft_nat || return 1
	rm -f "$out/.modinfo"
	# shellcheck disable=SC2086 # one module a line
	printf '%s\n' $order >"$out/order"
}

# Fetch NAME into the cache unless it is there; prints its directory.
kernel_fetch() {
	local name=$1 dir="$cache/kernels/$1" suite meta pkg work deb rel ko
	if [ -s "$dir/vmlinuz" ] && [ -s "$dir/veth.ko" ] && [ -s "$dir/release" ] &&
		[ -s "$dir/nf/order" ]; then
		echo "$dir"
		return 0
	fi
	read -r suite meta <<<"$(kernel_table | awk -v k="$name" '$1 == k { print $2, $3 }')"
	[ -n "$suite" ] || {
		echo "unknown kernel '$name' (known: $(kernel_names))" >&2
		return 1
	}
	suite_update "$suite" || {
		echo "kernel $name: cannot read Debian $suite's package lists (apt-get update failed)" >&2
		return 1
	}
	pkg=$(resolve_depends "$suite" "$meta")
	[ -n "$pkg" ] || {
		echo "kernel $name: $meta in Debian $suite names no kernel package" >&2
		return 1
	}
	work="$matrix_tmp/kernel-$name"
	mkdir -p "$work" || return 1
	if ! (cd "$work" && suite_apt "$suite" apt-get download "$pkg" >/dev/null 2>&1); then
		echo "kernel $name: apt-get download $pkg failed" >&2
		return 1
	fi
	deb=$(ls "$work"/*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] && dpkg-deb -x "$deb" "$work/x" || {
		echo "kernel $name: cannot unpack $pkg" >&2
		return 1
	}
	rel=$(ls "$work/x/lib/modules" 2>/dev/null | head -n 1)
	ko=$(find "$work/x/lib/modules/$rel" -name 'veth.ko*' | head -n 1)
	[ -n "$rel" ] && [ -s "$work/x/boot/vmlinuz-$rel" ] && [ -n "$ko" ] || {
		echo "kernel $name: $pkg has no vmlinuz or veth.ko" >&2
		return 1
	}
	mkdir -p "$dir.new" &&
		cp "$work/x/boot/vmlinuz-$rel" "$dir.new/vmlinuz" &&
		cp "$work/x/boot/config-$rel" "$dir.new/config" &&
		kernel_unpack_ko "$ko" "$dir.new/veth.ko" &&
		kernel_nf_modules "$work/x/lib/modules/$rel" "$dir.new/nf" &&
		echo "$rel" >"$dir.new/release" &&
		echo "$pkg" >"$dir.new/package" || {
		rm -rf "$dir.new"
		echo "kernel $name: cannot write $dir" >&2
		return 1
	}
	rm -rf "$dir" "$work" && mv "$dir.new" "$dir" && echo "$dir"
}
