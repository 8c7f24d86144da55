#!/bin/busybox sh
# /init of the test VM: mount the host's root read-only over 9p, run the test
# command chrooted into it, and write its output to the writable 9p share.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# Module dependencies are loaded by retrying in a fixed order.
for pass in 1 2 3; do
  for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p; do
    insmod /mods/$m.ko 2>/dev/null
  done
done
OUT=$(sed -n 's/.*kats_out=\([^ ]*\).*/\1/p' /proc/cmdline)
# kats_cache=loose: the guest caches what it reads of the (read-only) host root
CACHE=$(sed -n 's/.*kats_cache=\([a-z]*\).*/\1/p' /proc/cmdline)
mount -t 9p -o trans=virtio,version=9p2000.L,ro${CACHE:+,cache=$CACHE} host /host || echo "VM: host mount failed"
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t devtmpfs dev /host/dev
mount -t tmpfs tmp /host/tmp
mount -t tmpfs run /host/run
mkdir -p /host$OUT
mount -t 9p -o trans=virtio,version=9p2000.L out /host$OUT || echo "VM: out mount failed"
# a checkout under /tmp or /run, hidden by the tmpfs above, comes on a share of its own
REPO=$(sed -n 's/.*kats_repo=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$REPO" ]; then
  mkdir -p /host$REPO
  mount -t 9p -o trans=virtio,version=9p2000.L,ro${CACHE:+,cache=$CACHE} repo /host$REPO || echo "VM: repo mount failed"
fi
# The kernel's module requests (ip_vs_rr, …) must use the host's modprobe and module tree.
printf '#!/bin/sh\nexec chroot /host /sbin/modprobe "$@"\n' > /bin/host-modprobe
chmod +x /bin/host-modprobe
echo /bin/host-modprobe > /proc/sys/kernel/modprobe
chroot /host /bin/sh $OUT/cmd.sh > /host$OUT/log 2>&1
echo $? > /host$OUT/rc
sync
poweroff -f
