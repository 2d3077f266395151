# Sourced, not run: builds throw-away QEMU guests from Debian packages, never installed on the host.
# Used by scripts/linux-guest.sh and scripts/qemu-guest.sh.
#
#   * linux-image-amd64's kernel package: fetched with `apt-get download`, unpacked with
#     `dpkg-deb -x`, modules.dep made with `depmod -b`, the uncompressed vmlinux cut out of the
#     bzImage (QEMU boots it through its PVH entry with qboot: about twice as fast as the bzImage);
#   * an initramfs: busybox-static, the caller's /init, and the modules the caller names, each with
#     its dependencies from modules.dep.
# What is kept in the cache, per kernel package: CACHE/<package>/package.deb and modules.dep (so
# that a new image needs no second download and no full unpack: its modules come out of the package
# in one pass), CACHE/<package>/vmlinux, and one CACHE/<package>/IMAGE-<recipe>.cpio.gz
# per recipe: <recipe> is a hash of everything that goes into the image (the module lists, the
# caller's /init, this library), so a changed module list or /init gets an image of its own, and
# callers with different recipes never rebuild each other's. The unpacked package (about 400 MB)
# is deleted once the image is built.
#
# The caller sets DG_NAME (the prefix of every message) before sourcing, then calls
#   dg_require_tools                      stop with a message naming the package when a tool is missing
#   dg_prepare CACHE IMAGE EARLY LATE INIT
#       prints the path of the image (IMAGE-<recipe>.cpio.gz, vmlinux beside it), building what is
#       missing (saying so on stderr: "DG_NAME: preparing ...").
#       EARLY and LATE are space-separated module names ("kvm_amd" finds kvm-amd.ko too). /init
#       starts with busybox's applets on PATH, /proc, /sys and /dev mounted, two functions, and the
#       EARLY modules loaded:
#         finish MESSAGE     prints "DG_NAME: MESSAGE" and reboots (with -no-reboot QEMU exits);
#         load_module NAME   insmods NAME after its dependencies, each file once (EARLY or LATE
#                            names only: the LATE modules are in the image, the caller loads them);
#       then INIT, the caller's part, runs.
# and then boots with "$DG_QBOOT" as -bios.

DG_NAME="${DG_NAME:-debian-guest}"
DG_QBOOT=/usr/share/qemu/qboot.rom

dg_die() { echo "$DG_NAME: $*" >&2; exit 125; }
dg_need() { command -v "$1" >/dev/null 2>&1 || dg_die "$1 not found; $2"; }

dg_require_tools() {
  dg_need qemu-system-x86_64 "install qemu-system-x86"
  dg_need busybox "install busybox-static"
  dg_need apt-get "the guest is built from Debian packages"
  dg_need dpkg-deb "the guest is built from Debian packages"
  dg_need depmod "install kmod"
  dg_need cpio "install cpio"
  dg_need xz "install xz-utils"
  dg_need flock "install util-linux"
  [ -f "$DG_QBOOT" ] || dg_die "$DG_QBOOT not found; install qemu-system-data"
  DG_BUSYBOX="$(command -v busybox)"
  # The initramfs has no libc: a dynamically linked busybox would not start there. busybox-static
  # is a plain executable (ELF type 2 at byte 16); Debian's dynamic busybox is position-independent (3).
  if [ "$(od -An -tu1 -j16 -N1 "$DG_BUSYBOX" | tr -d ' ')" != 2 ]; then
    dg_die "$DG_BUSYBOX is dynamically linked; install busybox-static"
  fi
}

dg_prepare() {
  local cache="$1" image="$2" early="$3" late="$4" init="$5"
  local pkg
  pkg="$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')"
  [ -n "$pkg" ] || dg_die "apt-cache knows no linux-image-amd64 (run apt-get update)"
  local guest="$cache/$pkg"
  mkdir -p "$guest"
  # The recipe: whatever changes the image changes its name.
  local recipe
  recipe="$(printf '%s\n%s\n%s\n' "$early" "$late" "$init" | cat - "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)"
  local out="$guest/$image-$recipe.cpio.gz"
  # One preparation at a time: parallel runs share the cache.
  exec 9>"$cache/.lock"
  flock 9
  if [ -f "$guest/vmlinux" ] && [ -f "$out" ]; then
    exec 9>&-
    echo "$out"
    return
  fi
  echo "$DG_NAME: preparing $image-$recipe from $pkg in $guest" >&2
  # Images of the old layout (one per name, with a .ready file holding the recipe).
  rm -f "$guest/$image.cpio.gz" "$guest/$image.ready"
  local work="$guest/work"
  rm -rf "$work"
  mkdir -p "$work/deb"
  if [ ! -f "$guest/package.deb" ]; then
    # apt-get download writes to the current directory.
    (cd "$work/deb" && apt-get download -q "$pkg" >&2) || dg_die "apt-get download $pkg failed"
    mv "$work"/deb/*.deb "$guest/package.deb"
  fi
  local kver moddir
  if [ -f "$guest/vmlinux" ] && [ -f "$guest/modules.dep" ] && [ -f "$guest/kver" ]; then
    # A further image: modules.dep is known, so only the modules it needs come out of the package,
    # in one pass (a full unpack writes about 400 MB and depmod reads it all).
    kver="$(cat "$guest/kver")"
    moddir="$work/root/lib/modules/$kver"
    mkdir -p "$moddir"
    cp "$guest/modules.dep" "$moddir/"
    local files
    files="$(dg_module_load_order "$moddir" $early $late)" || exit 125
    dpkg-deb --fsys-tarfile "$guest/package.deb" \
      | tar -x -C "$work/root" $(printf "./lib/modules/$kver/%s " $files) \
      || dg_die "unpacking modules from $guest/package.deb failed (delete it to fetch it again)"
  else
    dpkg-deb -x "$guest/package.deb" "$work/root" || dg_die "dpkg-deb -x $guest/package.deb failed (delete it to fetch it again)"
    kver="$(ls "$work/root/lib/modules")"
    moddir="$work/root/lib/modules/$kver"
    depmod -b "$work/root" "$kver"
    [ -f "$guest/vmlinux" ] || dg_extract_vmlinux "$work/root/boot/vmlinuz-$kver" "$guest/vmlinux"
    cp "$moddir/modules.dep" "$guest/modules.dep"
    echo "$kver" > "$guest/kver"
  fi
  dg_build_initramfs "$moddir" "$work/initramfs" "$early" "$late" "$init" > "$out.tmp"
  mv "$out.tmp" "$out"
  rm -rf "$work"
  exec 9>&-
  echo "$out"
}

# The bzImage carries the kernel as an xz stream after its setup code; the first xz magic that
# decompresses to an ELF file is the kernel.
dg_extract_vmlinux() {
  local bz="$1" out="$2" offset
  for offset in $(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bz" | cut -d: -f1); do
    tail -c +"$((offset + 1))" "$bz" | xz -dc 2>/dev/null > "$out.tmp" || true
    if [ "$(head -c 4 "$out.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
      mv "$out.tmp" "$out"
      return
    fi
  done
  rm -f "$out.tmp"
  dg_die "no xz-compressed ELF kernel found in $bz"
}

# Prints the module files of $@ in load order (dependencies first), relative to the modules dir.
# A name matches its file with '-' and '_' alike, as the kernel's module names do (kvm_amd: kvm-amd.ko).
dg_module_load_order() {
  local moddir="$1"; shift
  local -A seen=()
  local order=()
  visit() {
    local file="$1" dep deps
    [ -n "${seen[$file]:-}" ] && return
    seen[$file]=1
    deps="$(awk -v f="$file:" '$1 == f { $1 = ""; print }' "$moddir/modules.dep")"
    # modules.dep lists a module's dependencies so that the last one loads first.
    for dep in $(echo "$deps" | tr ' ' '\n' | tac); do
      visit "$dep"
    done
    order+=("$file")
  }
  local name file
  for name in "$@"; do
    file="$(awk -F: -v n="/${name//-/_}.ko" '{ f = $1; gsub("-", "_", f); if (substr(f, length(f) - length(n) + 1) == n) { print $1; exit } }' "$moddir/modules.dep")"
    [ -n "$file" ] || dg_die "module $name not in $moddir/modules.dep"
    visit "$file"
  done
  printf '%s\n' "${order[@]}"
}

# Writes the gzipped initramfs to stdout. Each named module NAME gets /modules/NAME.load (NAME
# with '_'), its files in load order, which load_module reads.
dg_build_initramfs() {
  local moddir="$1" ir="$2" early="$3" late="$4" init="$5"
  rm -rf "$ir"
  mkdir -p "$ir/bin" "$ir/modules" "$ir/proc" "$ir/sys" "$ir/dev" "$ir/mnt" "$ir/tmp"
  cp "$DG_BUSYBOX" "$ir/bin/busybox"
  local name m order
  for name in $early $late; do
    order="$(dg_module_load_order "$moddir" "$name")" || exit 125
    : > "$ir/modules/${name//-/_}.load"
    for m in $order; do
      cp -n "$moddir/$m" "$ir/modules/"
      basename "$m" >> "$ir/modules/${name//-/_}.load"
    done
  done
  {
    cat <<PROLOGUE
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
finish() { echo "$DG_NAME: \$1"; sync; reboot -f; sleep 5; }
load_module() {
  [ -f "/modules/\$1.load" ] || { echo "$DG_NAME: module \$1 is not in the image"; return 1; }
  for f in \$(cat "/modules/\$1.load"); do
    [ -e "/tmp/loaded.\$f" ] && continue
    insmod "/modules/\$f" || return 1
    : > "/tmp/loaded.\$f"
  done
}
for m in $early; do load_module \$m || finish "insmod \$m failed"; done
PROLOGUE
    printf '%s\n' "$init"
  } > "$ir/init"
  chmod +x "$ir/init"
  (cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1)
  rm -rf "$ir"
}
