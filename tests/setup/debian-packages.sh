#!/bin/sh
# Install the Debian packages the tests need, only those missing; a second run installs nothing.
# Called by `make setup-test`. On a machine without dpkg/apt-get it says so and does nothing.
set -eu

PACKAGES="
    dbus-daemon
    gnome-keyring
    xvfb
    xauth
    fonts-wqy-microhei
    libxcb-icccm4
    libxcb-keysyms1
    libxcb-image0
    libxcb-render-util0
    libxcb-xkb1
    libxkbcommon-x11-0
    libxcb-cursor0
    libegl1
    libgl1
    libfontconfig1
    libdbus-1-3
    desktop-file-utils
    nsis
    openssh-server
    openssh-client
"
# dbus-daemon: dbus-daemon and dbus-run-session, for a private session bus (not the `dbus` package, which
#   also sets up the system bus the tests never use).
# gnome-keyring: a real Secret Service; Python's keyring reaches it through SecretStorage and jeepney
#   (pure-Python D-Bus), so libsecret and secret-tool are not needed.
# xvfb, xauth, the font and the xcb/GL/fontconfig libraries: Qt's xcb platform plugin on a headless display.
# openssh-server, openssh-client: the tests start their own sshd on loopback addresses with their own config
#   (the package's own service is not started: see policy-rc.d below), and ssh-keygen.
# desktop-file-utils: desktop-file-validate for the .deb's menu entry; nsis: makensis compiles the Windows
#   installer script (the installer itself is built on a Windows runner).

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "debian-packages: not a Debian-like system; install the equivalents of:" $PACKAGES >&2
    exit 0
fi

missing=""
for package in $PACKAGES; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing="$missing $package"
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "debian-packages: missing$missing, and neither root nor sudo is available to install them" >&2
    exit 1
fi

echo "debian-packages: installing$missing"
# No service of these packages starts (openssh-server's would listen on every interface): invoke-rc.d asks
# policy-rc.d, and 101 means "not now". Only when no policy is in place already; removed afterwards.
policy=""
log=$(mktemp)
trap 'rm -f "$log"; [ -z "$policy" ] || $as_root rm -f "$policy"' EXIT
if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $as_root tee "$policy" >/dev/null
    $as_root chmod 755 "$policy"
fi
# shellcheck disable=SC2086  # $missing is a list of words on purpose
if ! { $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
       && $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing; \
     } >"$log" 2>&1; then
    cat "$log" >&2
    echo "debian-packages: apt-get failed (output above)" >&2
    exit 1
fi
