#!/usr/bin/env bash
# A real single-node Kubernetes 1.35.4 on this machine, for the end-to-end tier and for a developer's kubectl:
#
#   src/test/cluster/cluster.sh start     # prints the administrator's kubeconfig (export KUBECONFIG=...)
#   src/test/cluster/cluster.sh stop      # leaves no process, mount, netns, iptables rule or kernel setting
#   src/test/cluster/cluster.sh load IMAGE...   # hands images of the project's podman storage to the node
#   src/test/cluster/cluster.sh kfp-server      # KFP's own API server at ml-pipeline.kubeflow:8888
#   src/test/cluster/cluster.sh host-state      # what a cluster could leave behind, to diff before and after
#   src/test/cluster/cluster.sh running         # exits 0 and prints the kubeconfig while a cluster runs, else 1
#
# start exits 3, touching nothing, while a cluster runs (one per machine).
#
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and kube-proxy are built from their Go
# modules by src/test/go/control-plane/build.sh --node, CoreDNS (the Service kube-dns) by src/test/go/coredns/;
# containerd, runc and the CNI plugins are Debian's; the pause image is built here. Pods get 10.244.0.0/24 on the bridge kfpbr0, Services 10.0.0.0/24: both private and
# local, and pods reach nothing beyond this machine (no masquerading). Needs root. What this machine needs and
# why: docs/developing/real-cluster.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cache="${KFP_OPERATOR_CACHE:-$HOME/.cache/kfp-run-operator}"
state="$cache/cluster"                  # certificates, etcd, kubelet, containerd, logs; removed by stop
run=/run/kfp-run-operator/cluster       # process ids, sockets, the kernel settings found at start
podman="$root/src/test/container/podman.sh"

CLUSTER_CIDR=10.244.0.0/16
NODE_POD_CIDR=10.244.0.0/24             # the first node's range, as kube-controller-manager allocates it
SERVICE_CIDR=10.0.0.0/24
API_SERVICE_IP=10.0.0.1
DNS_SERVICE_IP=10.0.0.10
BRIDGE=kfpbr0
NODE=kfp-node
API_PORT=16443
ETCD_PORTS=(12379 12380)
PAUSE_IMAGE=registry.k8s.io/pause:3.10
# The kernel settings the kubelet (protectKernelDefaults: false), kube-proxy and this script change.
SYSCTLS=(kernel.panic kernel.panic_on_oops vm.overcommit_memory vm.panic_on_oom kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.ipv4.conf.all.route_localnet net.ipv4.ip_forward
  net.bridge.bridge-nf-call-iptables net.netfilter.nf_conntrack_max
  net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait)
CONTROL_PLANE=(etcd kube-apiserver kube-controller-manager kube-scheduler)
NODE_PROCESSES=(containerd kubelet kube-proxy)

log() { echo "cluster: $*" >&2; }
node_ip() { ip -4 -o addr show scope global | awk '{split($4, a, "/"); print a[1]; exit}'; }
alive() { [[ -f "$run/$1.pid" ]] && kill -0 "$(cat "$run/$1.pid")" 2>/dev/null; }

# start_process NAME COMMAND...: in its own session, output to $state/logs/NAME.log, pid to $run/NAME.pid
start_process() {
  local name="$1"
  shift
  setsid "$@" > "$state/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$run/$name.pid"
}

stop_process() {
  local name="$1" pid
  [[ -f "$run/$name.pid" ]] || return 0
  pid="$(cat "$run/$name.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$run/$name.pid"
}

wait_for() { # wait_for WHAT SECONDS COMMAND...
  local what="$1" seconds="$2"
  shift 2
  for _ in $(seq $((seconds * 4))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  log "$what not there after $seconds s; logs in $state/logs"
  return 1
}

# certificate NAME CN [O] [SAN]: a key and a certificate signed by the cluster's CA
certificate() {
  local name="$1" cn="$2" org="${3:-}" san="${4:-}" subject="/CN=$2"
  [[ -n "$org" ]] && subject="/O=$org/CN=$cn"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$state/pki/$name.key" -subj "$subject" \
    -out "$state/pki/$name.csr" 2>/dev/null
  local extensions="$state/pki/$name.ext"
  echo "basicConstraints=CA:FALSE" > "$extensions"
  echo "keyUsage=critical,digitalSignature,keyEncipherment" >> "$extensions"
  echo "extendedKeyUsage=serverAuth,clientAuth" >> "$extensions"
  [[ -n "$san" ]] && echo "subjectAltName=$san" >> "$extensions"
  openssl x509 -req -in "$state/pki/$name.csr" -CA "$state/pki/ca.crt" -CAkey "$state/pki/ca.key" \
    -CAcreateserial -days 30 -extfile "$extensions" -out "$state/pki/$name.crt" 2>/dev/null
}

kubeconfig() { # kubeconfig NAME: a kubeconfig for the certificate NAME
  cat > "$state/$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: kfp-cluster, cluster: {server: "https://$(node_ip):$API_PORT", certificate-authority: $state/pki/ca.crt}}]
users: [{name: $1, user: {client-certificate: $state/pki/$1.crt, client-key: $state/pki/$1.key}}]
contexts: [{name: kfp-cluster, context: {cluster: kfp-cluster, user: $1}}]
current-context: kfp-cluster
EOF
}

pki() {
  mkdir -p "$state/pki"
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$state/pki/ca.key" -subj "/CN=kfp-cluster-ca" \
    -days 30 -out "$state/pki/ca.crt" 2>/dev/null
  local ip
  ip="$(node_ip)"
  certificate kube-apiserver kube-apiserver "" "IP:$ip,IP:127.0.0.1,IP:$API_SERVICE_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  certificate admin kfp-cluster-admin system:masters
  certificate apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  certificate kube-controller-manager system:kube-controller-manager
  certificate kube-scheduler system:kube-scheduler
  certificate kube-proxy system:kube-proxy
  certificate kubelet "system:node:$NODE" system:nodes "IP:$ip,DNS:$NODE"
  openssl genrsa -out "$state/pki/service-accounts.key" 2048 2>/dev/null
  openssl rsa -in "$state/pki/service-accounts.key" -pubout -out "$state/pki/service-accounts.pub" 2>/dev/null
  for name in admin kube-controller-manager kube-scheduler kube-proxy kubelet; do kubeconfig "$name"; done
}

containerd_config() {
  mkdir -p "$state/cni/net.d"
  cat > "$state/containerd.toml" <<EOF
version = 2
root = "$state/containerd/root"
state = "$run/containerd/state"
[grpc]
  address = "$run/containerd.sock"
[ttrpc]
  address = "$run/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$state/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # the root process lacks CAP_SYS_RESOURCE: runc may not raise a container's oom_score_adj
  restrict_oom_score_adj = true
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$state/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
EOF
  cat > "$state/cni/net.d/10-kfp-cluster.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "kfp-cluster",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$state/cni/ipam", "ranges": [[{"subnet": "$NODE_POD_CIDR"}]],
              "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
}

kubelet_config() {
  cat > "$state/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $state/pki/ca.crt}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$run/containerd.sock
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: cluster.local
tlsCertFile: $state/pki/kubelet.crt
tlsPrivateKeyFile: $state/pki/kubelet.key
address: $(node_ip)
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
podLogsDir: $state/pod-logs
protectKernelDefaults: false
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
resolvConf: /etc/resolv.conf
serializeImagePulls: false
EOF
}

pause_image() {
  local build
  build="$(mktemp -d)"
  gcc -Os -static -o "$build/pause" "$here/pause/pause.c"
  cp "$here/pause/Containerfile" "$build/"
  "$podman" build --quiet --pull=never --network=none --tag "$PAUSE_IMAGE" "$build" >/dev/null
  rm -rf "$build"
}

# image_with_binary IMAGE BINARY DIR: builds DIR/Containerfile with BINARY beside it, and hands the image to the node
image_with_binary() {
  local build
  build="$(mktemp -d)"
  cp "$2" "$3/Containerfile" "$build/"
  "$podman" build --quiet --pull=never --network=none --tag "$1" "$build" >/dev/null
  rm -rf "$build"
  load "$1"
}

# deploy KUBECTL MANIFEST NAMESPACE DEPLOYMENT IMAGE: applies MANIFEST with @IMAGE@ and @DNS_SERVICE_IP@ filled in,
# and waits for the Deployment's rollout
deploy() {
  sed -e "s|@IMAGE@|$5|" -e "s|@DNS_SERVICE_IP@|$DNS_SERVICE_IP|" "$2" \
    | "$1" --kubeconfig "$state/admin.kubeconfig" apply -f - >/dev/null
  "$1" --kubeconfig "$state/admin.kubeconfig" -n "$3" rollout status "deployment/$4" --timeout=180s >/dev/null
}

cluster_dns() { # CoreDNS from its Go module, as the Service kube-dns at $DNS_SERVICE_IP
  local binary image
  binary="$("$root/src/test/go/coredns/build.sh")"
  image="localhost/kfp-cluster/coredns:$(basename "$(dirname "$binary")")"
  image_with_binary "$image" "$binary" "$here/coredns"
  deploy "$1" "$here/coredns/coredns.yaml" kube-system coredns "$image"
}

kfp_server() { # KFP's own API server (src/test/go/kfp-server) as KFP installs it: ml-pipeline.kubeflow:8888
  local binary base=localhost/kfp-cluster/debian-socat:bookworm image build bin
  bin="$("$root/src/test/go/control-plane/build.sh" --node)"
  binary="$("$root/src/test/go/kfp-server/build.sh")"
  if ! "$podman" image exists "$base"; then
    build="$(mktemp -d)"
    mmdebstrap --quiet --variant=essential --include=socat --dpkgopt='path-exclude=/usr/share/doc/*' bookworm \
      "$build/rootfs.tar"
    "$podman" import --quiet "$build/rootfs.tar" "$base" >/dev/null
    rm -rf "$build"
  fi
  image="localhost/kfp-cluster/kfp-server:$(basename "$(dirname "$binary")")"
  image_with_binary "$image" "$binary" "$here/kfp-server"
  deploy "$bin/kubectl" "$here/kfp-server/kfp-server.yaml" kubeflow ml-pipeline "$image"
}

load() { # load IMAGE...: from the project's podman storage into the node's containerd
  local image
  for image in "$@"; do
    "$podman" save --format docker-archive "$image" \
      | ctr --address "$run/containerd.sock" -n k8s.io images import - >/dev/null
  done
}

running() { alive kube-apiserver || alive kubelet || alive containerd; }

start() {
  # one cluster per machine: besides its ports, bridge and directories, its iptables chains (KUBE-*, CNI-*), kernel
  # settings and cgroups are the machine's, and stop removes them all; a second start would share it, its stop end it
  if running; then
    log "a cluster is running already (KUBECONFIG=$state/admin.kubeconfig); stop it first: $0 stop"
    exit 3
  fi
  local started=$SECONDS bin ip
  bin="$("$root/src/test/go/control-plane/build.sh" --node)"
  ip="$(node_ip)"
  rm -rf "$state"
  mkdir -p "$state/logs" "$run"
  if [[ ! -f "$run/sysctl.before" ]]; then
    for key in "${SYSCTLS[@]}"; do
      [[ -e "/proc/sys/${key//.//}" ]] && echo "$key=$(sysctl -n "$key")"
    done > "$run/sysctl.before"
  fi
  command -v nfacct >/dev/null || { log "nfacct is needed to remove kube-proxy's counters at stop (apt-get install nfacct)"; exit 1; }
  [[ -f "$run/nfacct.before" ]] || nfacct_names > "$run/nfacct.before"
  sysctl -q -w net.ipv4.ip_forward=1
  pki

  start_process etcd "$bin/etcd" --data-dir "$state/etcd" \
    --listen-client-urls "http://127.0.0.1:${ETCD_PORTS[0]}" --advertise-client-urls "http://127.0.0.1:${ETCD_PORTS[0]}" \
    --listen-peer-urls "http://127.0.0.1:${ETCD_PORTS[1]}" --initial-advertise-peer-urls "http://127.0.0.1:${ETCD_PORTS[1]}" \
    --initial-cluster "default=http://127.0.0.1:${ETCD_PORTS[1]}" --unsafe-no-fsync
  start_process kube-apiserver "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:${ETCD_PORTS[0]}" \
    --bind-address "$ip" --advertise-address "$ip" --secure-port "$API_PORT" \
    --tls-cert-file "$state/pki/kube-apiserver.crt" --tls-private-key-file "$state/pki/kube-apiserver.key" \
    --client-ca-file "$state/pki/ca.crt" \
    --kubelet-client-certificate "$state/pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$state/pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$state/pki/ca.crt" \
    --service-account-key-file "$state/pki/service-accounts.pub" \
    --service-account-signing-key-file "$state/pki/service-accounts.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --kubelet-preferred-address-types InternalIP \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction
  wait_for "kube-apiserver" 90 "$bin/kubectl" --kubeconfig "$state/admin.kubeconfig" get --raw /readyz

  start_process kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$state/kube-controller-manager.kubeconfig" --leader-elect=false --bind-address 127.0.0.1 \
    --use-service-account-credentials --service-account-private-key-file "$state/pki/service-accounts.key" \
    --root-ca-file "$state/pki/ca.crt" \
    --cluster-signing-cert-file "$state/pki/ca.crt" --cluster-signing-key-file "$state/pki/ca.key" \
    --allocate-node-cidrs --cluster-cidr "$CLUSTER_CIDR" --node-cidr-mask-size 24 \
    --service-cluster-ip-range "$SERVICE_CIDR"
  start_process kube-scheduler "$bin/kube-scheduler" --kubeconfig "$state/kube-scheduler.kubeconfig" \
    --leader-elect=false --bind-address 127.0.0.1

  containerd_config
  start_process containerd containerd --config "$state/containerd.toml"
  wait_for "containerd" 30 ctr --address "$run/containerd.sock" version
  pause_image
  load "$PAUSE_IMAGE"

  kubelet_config
  start_process kubelet "$bin/kubelet" --config "$state/kubelet.yaml" --kubeconfig "$state/kubelet.kubeconfig" \
    --root-dir "$state/kubelet" --hostname-override "$NODE" --node-ip "$ip"
  start_process kube-proxy "$bin/kube-proxy" --kubeconfig "$state/kube-proxy.kubeconfig" \
    --hostname-override "$NODE" --cluster-cidr "$CLUSTER_CIDR" --proxy-mode iptables \
    --conntrack-max-per-core 0 --iptables-localhost-nodeports=false --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256
  wait_for "node $NODE Ready" 120 "$bin/kubectl" --kubeconfig "$state/admin.kubeconfig" wait --for=condition=Ready \
    "node/$NODE" --timeout=1s
  cluster_dns "$bin/kubectl"
  log "started in $((SECONDS - started)) s; kubectl --kubeconfig $state/admin.kubeconfig"
  echo "$state/admin.kubeconfig"
}

nfacct_names() { { nfacct list 2>/dev/null || true; } | sed -n 's/.* = \(.*\);$/\1/p'; }

our_mounts() { # deepest first
  { findmnt -rn -o TARGET || true; } | { grep -E "^($state|$run)/" || true; } | sort -r
}

stop() {
  local started=$SECONDS bin
  bin="$("$root/src/test/go/control-plane/build.sh" --node)"
  if alive kube-apiserver && alive kubelet; then
    # the kubelet removes its pods itself: volumes unmounted, sandboxes and their network namespaces deleted
    "$bin/kubectl" --kubeconfig "$state/admin.kubeconfig" delete deployments,statefulsets,daemonsets,replicasets,jobs \
      --all --all-namespaces --wait=false >/dev/null 2>&1 || true
    "$bin/kubectl" --kubeconfig "$state/admin.kubeconfig" delete pods --all --all-namespaces --grace-period=5 \
      --timeout=90s >/dev/null 2>&1 || log "some pods were not deleted in 90 s; removing their containers directly"
  fi
  for name in kubelet kube-proxy kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_process "$name"; done
  if alive containerd; then
    local ctr=(ctr --address "$run/containerd.sock" -n k8s.io)
    for task in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
      "${ctr[@]}" tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
    done
    for task in $("${ctr[@]}" tasks ls -q 2>/dev/null); do "${ctr[@]}" tasks delete --force "$task" >/dev/null 2>&1 || true; done
    for container in $("${ctr[@]}" containers ls -q 2>/dev/null); do "${ctr[@]}" containers rm "$container" >/dev/null 2>&1 || true; done
  fi
  # the shims of this containerd (named by its socket in their command line)
  for pid in $(pgrep -f -- "-address $run/containerd.sock" || true); do kill -KILL "$pid" 2>/dev/null || true; done
  # mounts: pod volumes, container root filesystems, sandbox shm
  for target in $(our_mounts); do umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null || true; done
  for netns in $(ip netns list 2>/dev/null | awk '/^cni-/ {print $1}'); do ip netns delete "$netns" 2>/dev/null || true; done
  stop_process containerd
  for target in $(our_mounts); do umount -l "$target" 2>/dev/null || true; done
  if [[ -x "$bin/kube-proxy" ]]; then "$bin/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
  for table in filter nat mangle raw; do
    local chains
    chains="$(iptables-save -t "$table" 2>/dev/null | sed -n 's/^:\(\(KUBE\|CNI\)-[^ ]*\) .*/\1/p')"
    # rules in built-in chains that jump to ours first, then our chains
    { iptables-save -t "$table" 2>/dev/null || true; } | { grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j (KUBE|CNI)-' || true; } \
      | sed 's/^-A/-D/' | while read -r rule; do eval "iptables -t $table $rule" 2>/dev/null || true; done
    for chain in $chains; do iptables -t "$table" -F "$chain" 2>/dev/null || true; done
    for chain in $chains; do iptables -t "$table" -X "$chain" 2>/dev/null || true; done
  done
  ip link delete "$BRIDGE" 2>/dev/null || true
  # kube-proxy's netfilter accounting objects, which outlive it and its rules
  if [[ -f "$run/nfacct.before" ]]; then
    for name in $(nfacct_names); do grep -qxF "$name" "$run/nfacct.before" || nfacct delete "$name" || true; done
  fi
  # cgroups the kubelet made (cgroupfs driver), deepest first
  for controller in /sys/fs/cgroup/*/; do
    [[ -d "$controller/kubepods" ]] && find "$controller/kubepods" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  if [[ -f "$run/sysctl.before" ]]; then
    while IFS= read -r setting; do sysctl -q -w "$setting" >/dev/null || log "could not restore $setting"; done \
      < "$run/sysctl.before"
  fi
  rm -rf "$state" "$run"
  rmdir /run/kfp-run-operator 2>/dev/null || true
  log "stopped in $((SECONDS - started)) s"
}

# What a cluster may leave behind, for a before/after diff: processes and mounts of this cluster, network
# namespaces, links, iptables rules (without counters), the kernel settings above, the kubelet's cgroups.
host_state() {
  echo "# processes"
  ps -eo args= | grep -F -e "$state" -e "$run" | grep -v -e grep -e host-state || true
  echo "# mounts"
  findmnt -rn -o TARGET | grep -E "^($state|$run)/|^/run/netns" || true
  echo "# network namespaces"
  ip netns list 2>/dev/null || true
  echo "# links"
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//'
  echo "# iptables"
  for table in filter nat mangle raw; do iptables-save -t "$table" 2>/dev/null | grep -v -e '^#' -e '^COMMIT' | sed 's/\[[0-9:]*\]$//'; done
  echo "# kernel settings"
  for key in "${SYSCTLS[@]}"; do [[ -e "/proc/sys/${key//.//}" ]] && echo "$key=$(sysctl -n "$key")"; done
  echo "# netfilter accounting"
  nfacct_names
  echo "# cgroups"
  ls -d /sys/fs/cgroup/*/kubepods 2>/dev/null || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  load) shift; load "$@" ;;
  kfp-server) kfp_server ;;
  host-state) host_state ;;
  running) running && echo "$state/admin.kubeconfig" ;;
  *) echo "usage: cluster.sh start | stop | load IMAGE... | kfp-server | host-state | running" >&2; exit 2 ;;
esac
