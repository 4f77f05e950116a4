"""The manual deployment kit of the semi-managed mode: one archive an operator carries to servers the laptop
cannot reach (the vendor docs' "download the Agent and start it manually"), with what ``wizard.remote.deploy``
would do over SSH written as POSIX sh scripts.

``migration-kit-VERSION-linux-ARCH.tar.gz`` holds one folder ``migration-kit/``: the agent bundle as it is,
``start-master.sh``, ``start-worker.sh``, ``stop.sh``, ``kit.json``, two READMEs and, when given, ``task.toml``.

What it never holds: a storage credential (a task's credentials must be references, checked here), a CA key or a
join file. The master makes its cluster's CA itself, in its own data folder, the first time it starts, and writes
the join file there: a CA key made on the laptop would travel inside this archive (through mail, USB sticks,
shared folders) and whoever copied it could mint certificates that join the cluster and receive the storage
keys the master hands its workers. The join file is the only secret the operator carries, from the master to
its workers, and it is made where it is used.

Errors are ``InputError`` sentences that name the field as the CLI spells it (``--master-ip``, ``--task``, ...).
"""

from __future__ import annotations

import io
import ipaddress
import json
import os
import re
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from wizard import __version__
from wizard.errors import InputError
from wizard.remote.deploy import bundle_arch
from wizard.remote.ssh import RemoteError
from wizard.task import parse_task_text

TOP = "migration-kit"
DEFAULT_CLUSTER_PORT = 8786
_BUNDLE = re.compile(r"^migration-agent-(?P<version>[A-Za-z0-9.+_-]+)-linux-[A-Za-z0-9_]+\.tar\.gz$")


def kit_name(arch: str, version: str = __version__) -> str:
    return f"migration-kit-{version}-linux-{arch}.tar.gz"


def check_master_ip(value: object, where: str = "--master-ip") -> str:
    """The master's private IP as workers reach it (checked on the laptop: it need not be an address here)."""
    try:
        ip = ipaddress.ip_address(str(value).strip())
    except ValueError:
        raise InputError(f"{where}: expected the master server's private IP address, like 172.16.0.94, got "
                         f"{str(value)[:60]!r}") from None
    if ip.is_unspecified or ip.is_multicast:
        raise InputError(f"{where}: {ip} is not one server's address; give the private IP workers reach the master "
                         "at, like 172.16.0.94")
    return str(ip)


def check_cluster_port(value: object, where: str = "--cluster-port") -> int:
    """The scheduler's fixed port (workers' join files name it): the agent's port rule, without "any free"."""
    from wizard.agent.server import check_port

    port = check_port(value, where)
    if port == 0:
        raise InputError(f"{where}: give a fixed port (workers' join files name it), like {DEFAULT_CLUSTER_PORT}")
    return port


def check_task(text: str, where: str = "--task") -> str:
    """The task as the master's agent will take it (local paths absolute) with no secret in it (the task's own
    rules refuse a literal key and an endpoint holding user:password@); returns it rewritten from its fields, so
    a comment (where a key is sometimes pasted) does not travel either."""
    try:
        spec = parse_task_text(text, "the file")
    except InputError as exc:   # credentials are checked as references there; the message never shows a value
        raise InputError(f"{where}: {exc}") from None
    return spec.to_toml()


def bundle_version(tarball: Path, where: str = "--bundle") -> tuple[str, str]:
    """The agent bundle's architecture and version (from its name); it must be this wizard's version."""
    try:
        arch = bundle_arch(tarball)
    except RemoteError as exc:
        raise InputError(f"{where}: {exc}") from None
    found = _BUNDLE.match(tarball.name)
    if found is None:
        raise InputError(f"{where}: {tarball.name} is not an agent bundle (migration-agent-VERSION-linux-ARCH.tar.gz)")
    if found["version"] != __version__:
        raise InputError(f"{where}: {tarball.name} is the agent {found['version']}; this wizard is {__version__} and "
                         "attaches to its own version: build the bundle with `make agent-bundle`")
    if not tarball.is_file():
        raise InputError(f"{where}: {tarball} does not exist")
    return arch, found["version"]


def build_kit(out_dir: Path, tarball: Path, master_ip: str, cluster_port: int = DEFAULT_CLUSTER_PORT,
              task_toml: str | None = None) -> Path:
    """Write the kit for a master at ``master_ip`` into ``out_dir`` (atomically) and return its path."""
    master_ip = check_master_ip(master_ip)
    cluster_port = check_cluster_port(cluster_port)
    task = check_task(task_toml) if task_toml is not None else None
    tarball = Path(tarball)
    arch, version = bundle_version(tarball)
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise InputError(f"-o: the folder {out_dir} does not exist")
    values = {"@VERSION@": version, "@ARCH@": arch, "@BUNDLE@": tarball.name, "@MASTER_IP@": master_ip,
              "@PORT@": str(cluster_port)}
    about = {"version": version, "arch": arch, "master_ip": master_ip, "cluster_port": cluster_port,
             "bundle": tarball.name, "task": task is not None,
             "created": datetime.now(UTC).isoformat(timespec="seconds")}
    members: list[tuple[str, str, int]] = [
        ("start-master.sh", _fill(PRELUDE + START_MASTER, values), 0o755),
        ("start-worker.sh", _fill(PRELUDE + START_WORKER, values), 0o755),
        ("stop.sh", _fill(PRELUDE + STOP, values), 0o755),
        ("kit.json", json.dumps(about, indent=1) + "\n", 0o644),
        ("README.en.md", _fill(README_EN + (TASK_EN if task else ""), values), 0o644),
        ("README.zh_CN.md", _fill(README_ZH + (TASK_ZH if task else ""), values), 0o644),
    ]
    if task is not None:
        members.append(("task.toml", task, 0o644))
    target = out_dir / kit_name(arch, __version__)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
                tar.addfile(_info(TOP, 0o755, tarfile.DIRTYPE))
                for name, text, mode in members:
                    data = text.encode("utf-8")
                    tar.addfile(_info(f"{TOP}/{name}", mode, size=len(data)), io.BytesIO(data))
                with open(tarball, "rb") as bundle:
                    size = os.fstat(bundle.fileno()).st_size
                    tar.addfile(_info(f"{TOP}/{tarball.name}", 0o644, size=size), bundle)
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, 0o644)      # mkstemp makes it 0600; the kit holds no secret and is meant to be copied
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _info(name: str, mode: int, kind: bytes = tarfile.REGTYPE, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size, info.mtime = kind, mode, size, int(time.time())
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text


# The scripts. Every value filled in is checked above (an IP address, a port, a version and an architecture
# of letters, digits and ".+_-"), so none needs shell quoting beyond the single quotes it gets.
PRELUDE = r"""#!/bin/sh
# Migration Wizard @VERSION@ manual deployment kit (see README.en.md / README.zh_CN.md). POSIX sh.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
BASE="$HOME/.migration-wizard"
AGENT="$BASE/agent/migration-agent"
VERSION='@VERSION@'
ARCH='@ARCH@'
BUNDLE="$HERE/@BUNDLE@"

say() { printf '%s\n' "$*"; }
fail() { printf 'migration-kit: %s\n' "$*" >&2; exit 1; }

# Unpack the agent into ~/.migration-wizard/agent, as the wizard's SSH deployment does, unless it is there.
install_agent() {
    arch=$(uname -m)
    [ "$arch" = "$ARCH" ] || fail "this server is $arch; the agent in this kit is for $ARCH servers"
    if [ -x "$AGENT" ] && [ "$("$AGENT" --version 2>/dev/null || true)" = "migration-agent $VERSION" ]; then
        say "agent $VERSION: already in $BASE/agent"
        return 0
    fi
    [ -f "$BUNDLE" ] || fail "$BUNDLE is missing: unpack the whole kit"
    mkdir -p "$BASE"
    chmod 700 "$BASE"
    rm -rf "$BASE/agent.new"
    mkdir "$BASE/agent.new"
    tar xzf "$BUNDLE" -C "$BASE/agent.new" --strip-components=1 || fail "the agent bundle could not be unpacked"
    rm -rf "$BASE/agent"
    mv "$BASE/agent.new" "$BASE/agent"
    [ "$("$AGENT" --version 2>/dev/null || true)" = "migration-agent $VERSION" ] ||
        fail "the agent unpacked into $BASE/agent does not start"
    say "agent $VERSION: unpacked into $BASE/agent"
}

# A process that runs and has not exited (an exited child not reaped yet is a zombie: it counts as gone).
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# The pid a pid file (or the agent's agent.json) names, when that process runs and is the agent (a stale pid
# may belong to another program by now).
live_pid() {
    [ -f "$1" ] || return 1
    pid=$(sed -n -e 's/.*"pid": *\([0-9][0-9]*\).*/\1/p' -e 's/^\([0-9][0-9]*\)$/\1/p' "$1" | head -n 1)
    [ -n "$pid" ] && alive "$pid" || return 1
    if [ -r "/proc/$pid/cmdline" ]; then
        tr '\000' ' ' <"/proc/$pid/cmdline" | grep -q migration-agent || return 1
    fi
    say "$pid"
}

# The agent's data folder (token, agent.json, the cluster's CA): where `migration-agent token` puts the token.
agent_data() { dirname "$("$AGENT" token)"; }
"""

START_MASTER = r"""
# start-master.sh: the master's agent with the cluster's scheduler, detached; then worker.join beside this script.
[ $# -eq 0 ] || fail "usage: sh start-master.sh (the master's IP, @MASTER_IP@, is in this kit)"
MASTER_IP='@MASTER_IP@'
PORT='@PORT@'
install_agent
DATA=$(agent_data)
if pid=$(live_pid "$DATA/agent.json"); then
    say "the master's agent runs already (pid $pid)"
else
    "$AGENT" serve --cluster --listen "$MASTER_IP" --cluster-port "$PORT" --detach ||
        fail "the master's agent did not start (see above)"
fi
said=$("$AGENT" cluster join-file -o "$HERE/worker.join" 2>&1) || fail "the master could not write worker.join: $said"
chmod 600 "$HERE/worker.join"
URL=$(sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$DATA/agent.json")
cat <<EOF

The master's agent runs: cluster scheduler on tls://$MASTER_IP:$PORT, API on $URL (this server only).
Wrote $HERE/worker.join (mode 0600): it lets a server join this cluster. Keep it private.

Next steps:
 1. Copy worker.join to each worker server, into its migration-kit folder beside start-worker.sh, e.g.
      scp "$HERE/worker.join" WORKER:migration-kit/
 2. On each worker: sh migration-kit/start-worker.sh [WORKER_PRIVATE_IP]
 3. Ports: workers -> this server TCP $PORT (the scheduler); this server -> each worker on the private network
    (the master connects back to its workers); the wizard -> this server SSH (TCP 22, for its tunnel).
    The API stays on this server's 127.0.0.1: open no port for it.
 4. In the wizard, mode "Semi-managed": this server's SSH address and Next (the wizard finds this agent,
    opens the tunnel and reads the token), or "Attach by address..." with the API address (a port you forward
    to $URL) and the token:
      cat "\$("$AGENT" token)"
Stop it with: sh "$HERE/stop.sh"
EOF
"""

START_WORKER = r"""
# start-worker.sh [WORKER_PRIVATE_IP]: a worker of the cluster worker.join (beside this script) names, detached.
[ $# -le 1 ] || fail "usage: sh start-worker.sh [WORKER_PRIVATE_IP]"
[ -f "$HERE/worker.join" ] || fail "no worker.join in $HERE: start-master.sh writes it on the master; copy it here"
install_agent
LOG="$BASE/worker.log"
PIDFILE="$BASE/worker.pid"
if pid=$(live_pid "$PIDFILE"); then
    say "the worker runs already (pid $pid); stop it first with: sh \"$HERE/stop.sh\" worker"
    exit 0
fi
(umask 077 && cp "$HERE/worker.join" "$BASE/worker.join.new")
mv -f "$BASE/worker.join.new" "$BASE/worker.join"
# No address given: the worker takes its own address on the route to the master.
if [ $# -eq 1 ]; then set -- --listen "$1"; fi
start=0
if [ -f "$LOG" ]; then start=$(wc -c <"$LOG" | tr -d ' '); fi
cd "$BASE"
nohup "$AGENT" worker --join "$BASE/worker.join" "$@" </dev/null >>"$LOG" 2>&1 &
pid=$!
say "$pid" >"$PIDFILE"
i=0
while [ $i -lt 90 ]; do
    new=$(tail -c +$((start + 1)) "$LOG" 2>/dev/null || true)
    case $new in
        *"joined the cluster"*)
            say "the worker (pid $pid) joined the cluster; its output goes to $LOG"
            exit 0 ;;
    esac
    if ! alive "$pid"; then
        printf '%s\n' "$new" | tail -n 5 >&2
        rm -f "$PIDFILE"
        fail "the worker stopped; its output is in $LOG"
    fi
    sleep 1
    i=$((i + 1))
done
fail "the worker (pid $pid) has not joined the cluster after 90 s; it keeps trying." \
    "Is TCP @PORT@ on the master (@MASTER_IP@) open to this server? See $LOG"
"""

STOP = r"""
# stop.sh [worker|master|all]: SIGTERM to this server's worker and/or master's agent (a worker first finishes
# the objects under way), then wait until they are gone.
what=${1:-all}
case $what in worker | master | all) ;; *) fail "usage: sh stop.sh [worker|master|all]" ;; esac
found=0
stop_pid() {
    kill -TERM "$2" 2>/dev/null || return 0
    say "stopping the $1 (pid $2)"
    i=0
    while alive "$2"; do
        i=$((i + 1))
        [ $i -le 120 ] || fail "the $1 (pid $2) still runs after 120 s; kill -KILL $2 stops it at once"
        sleep 1
    done
    say "the $1 stopped"
}
if [ "$what" != master ]; then
    if pid=$(live_pid "$BASE/worker.pid"); then
        stop_pid worker "$pid"
        found=1
    fi
    rm -f "$BASE/worker.pid"
fi
if [ "$what" != worker ] && [ -x "$AGENT" ]; then
    DATA=$(agent_data)
    if pid=$(live_pid "$DATA/agent.json") || pid=$(live_pid "$DATA/agent.pid"); then
        stop_pid "master's agent" "$pid"
        found=1
    fi
fi
[ $found -eq 1 ] || say "no agent of this kit runs here"
"""

README_EN = """# Migration Wizard @VERSION@: manual deployment kit

For servers the wizard cannot reach over SSH: start the agent on them by hand, then attach the wizard.
Master Node Private IP: **@MASTER_IP@**; cluster port **@PORT@**; servers: Linux @ARCH@ (CentOS 7.x 64-bit or
later). No Python is needed. The agent goes to `~/.migration-wizard/` of the user who runs the scripts, its data
(token, the cluster's certificates, journals) to `~/.local/share/migration-wizard/`.

The kit holds no storage key, no certificate key and no join file: the master makes its cluster's own
certificates when it first starts, and writes `worker.join` for its workers.

## 1. Start the master first
Copy this archive to the master server (the one with private IP @MASTER_IP@), then:

    tar xzf migration-kit-@VERSION@-linux-@ARCH@.tar.gz    # any folder will do
    sh migration-kit/start-master.sh

It unpacks the agent (unless this version is there), starts it detached as the master of the cluster and
writes `migration-kit/worker.join` (mode 0600). Keep that file private: it lets a server join the cluster.

## 2. Then each worker
Workers add speed when there is bandwidth to spare; they can join at any time, but start them before the task
so the master can spread the work from the start. A worker must reach the master over the private network,
and, over Direct Connect, reach the destination directly. Copy the archive and `worker.join` to each worker:

    tar xzf migration-kit-@VERSION@-linux-@ARCH@.tar.gz
    cp worker.join migration-kit/
    sh migration-kit/start-worker.sh [WORKER_PRIVATE_IP]

Without an address the worker takes its own address on the route to the master. Its output goes to
`~/.migration-wizard/worker.log`. Workers need no storage key: the master hands them over the cluster's TLS.

## 3. Ports to open
- workers -> master: TCP @PORT@ (the cluster's scheduler);
- master -> workers: the private network between them (the master connects back to each worker);
- your machine -> master: SSH, TCP 22 (the wizard's tunnel). The agent's API stays on the master's 127.0.0.1.

## 4. Attach the wizard
In the wizard choose the mode **Semi-managed**, then either
- give the master's SSH address and its private IP and press **Next**: the wizard finds the agent running there
  (nothing is uploaded again), opens a tunnel to the API and reads the token itself; or
- press **Attach by address…** and give the API address and its token, when you forward the port yourself
  (`ssh -L`); the token is never saved on your computer. `start-master.sh` prints the
  API address, and the token is in the file `~/.migration-wizard/agent/migration-agent token` prints.

The storage keys reach the master either from the wizard (`agent:NAME`: kept in the agent's memory only) or as
environment variables set before `start-master.sh` (`env:SRC` reads `SRC_ACCESS_KEY_ID` and
`SRC_SECRET_ACCESS_KEY`).

## Speed limit
The built-in way is the task's `bandwidth_limit` (bytes per second, shared by all workers of the task; the
wizard can change it while the task runs). The vendor's network-level advice still works on each server:

    /sbin/tc qdisc add dev eth0 root tbf rate 50kbit latency 50ms burst 1000    # 10 Mbit/s: rate 10Mbit
    /sbin/tc qdisc del dev eth0 root tbf                                         # remove it

Both apply, so the lower one wins: `tc` limits the whole server (every program, every task, on that network
interface), `bandwidth_limit` only this task.

## Stop
    sh migration-kit/stop.sh [worker|master|all]

SIGTERM: a worker finishes the objects under way first. A stopped task resumes when the master starts again.
"""

TASK_EN = """
## task.toml
The task prepared in the wizard, with credential references only (no key). Create it on the master from the
wizard once attached; its local paths are paths on the servers.
"""

README_ZH = """# Migration Wizard @VERSION@：手动部署包

适用于迁移向导无法通过 SSH 连接的服务器：在服务器上手工启动 Agent，再让迁移向导连接。
主节点内网IP：**@MASTER_IP@**；集群端口 **@PORT@**；服务器：Linux @ARCH@（CentOS 7.x 64位或更高版本），无需安装
Python。Agent 安装在运行脚本的用户的 `~/.migration-wizard/` 下，其数据（令牌、集群证书、任务记录）保存在
`~/.local/share/migration-wizard/` 下。

本部署包不含任何存储密钥、证书私钥或加入文件：主控服务器首次启动时自行生成集群证书，并为 worker 服务器写出
`worker.join`。

## 1. 先启动主控服务器（master）
将本压缩包复制到主控服务器（内网IP为 @MASTER_IP@ 的服务器），然后执行：

    tar xzf migration-kit-@VERSION@-linux-@ARCH@.tar.gz    # 目录无特殊要求
    sh migration-kit/start-master.sh

脚本会解压 Agent（该版本已存在时跳过），以集群主节点身份在后台启动，并写出 `migration-kit/worker.join`
（权限 0600）。请妥善保管该文件：持有它的服务器即可加入集群。

## 2. 再启动每台 worker 服务器
在有可用带宽的情况下，可以增加 worker 服务器以提高迁移速度。worker 可随时加入，但建议在创建任务之前启动，
以便主控服务器启动任务时更有效地进行分片调度。worker 服务器必须与 master 服务器互通；如果使用专线迁移，
需要确保 worker 服务器可通过专线直接访问目的端。将压缩包和 `worker.join` 复制到每台 worker：

    tar xzf migration-kit-@VERSION@-linux-@ARCH@.tar.gz
    cp worker.join migration-kit/
    sh migration-kit/start-worker.sh [WORKER内网IP]

不指定地址时，worker 使用其通往主控服务器的路由上的本机地址。输出写入 `~/.migration-wizard/worker.log`。
worker 无需存储密钥：主控服务器通过集群的 TLS 连接下发。

## 3. 需要开放的端口
- worker -> 主控服务器：TCP @PORT@（集群调度器）；
- 主控服务器 -> worker：二者之间的内网（主控服务器会回连每台 worker）；
- 您的电脑 -> 主控服务器：SSH，TCP 22（迁移向导的隧道）。Agent 的 API 只监听主控服务器的 127.0.0.1。

## 4. 连接迁移向导
在迁移向导中选择“半托管”模式，然后任选其一：
- 填写主控服务器的 SSH 地址和主节点内网IP，单击“下一步”：迁移向导找到其上运行的 Agent（不会重复上传），
  自行建立到 API 的隧道并读取令牌；或
- 单击“按地址连接…”，填写 API 地址及其令牌（您自行转发端口时，如 `ssh -L`；令牌不会保存在您的电脑上）：
  `start-master.sh` 会打印 API 地址，令牌保存在
  `~/.migration-wizard/agent/migration-agent token` 打印的文件中。

存储密钥由迁移向导发送给主控服务器（`agent:NAME`：只保存在 Agent 的内存中），或在运行 `start-master.sh`
之前设置为环境变量（`env:SRC` 读取 `SRC_ACCESS_KEY_ID` 和 `SRC_SECRET_ACCESS_KEY`）。

## 迁移限速
内置方式是任务的 `bandwidth_limit`（每秒字节数，由该任务的所有 worker 共享；任务运行中可在迁移向导里修改）。
文档中在服务器网卡上限速的方法依然有效：

    /sbin/tc qdisc add dev eth0 root tbf rate 50kbit latency 50ms burst 10000   # 限速10M：rate 10Mbit
    /sbin/tc qdisc del dev eth0 root tbf                                         # 解除限速

两者同时生效，以较低者为准：`tc` 限制整台服务器（该网卡上的所有程序、所有任务），`bandwidth_limit` 只限制本任务。

## 停止
    sh migration-kit/stop.sh [worker|master|all]

发送 SIGTERM：worker 会先完成正在传输的对象。主控服务器再次启动后，已停止的任务会继续执行。
"""

TASK_ZH = """
## task.toml
在迁移向导中准备好的任务，只含凭证引用（不含密钥）。连接主控服务器后，在迁移向导中据此创建任务；其中的本地路径
是服务器上的路径。
"""
