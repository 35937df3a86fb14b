# Shared by scripts/run and scripts/test: install missing Debian packages, quietly.
# shellcheck shell=bash

# apt_install PKG... : installs the packages that are not installed yet (root or sudo).
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; return 1; }
        sudo="sudo"
    fi
    echo "installing: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

require_cargo() {
    command -v cargo >/dev/null || {
        echo "Rust is not installed: install it with rustup (https://rustup.rs), then run this again." >&2
        exit 1
    }
}
