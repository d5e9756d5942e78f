# Shared by run.sh and test.sh: make sure the Debian packages the system runs with are installed.
# shellcheck shell=bash

# require_debian_packages binary:package ...  installs the package of every missing binary (as root), else explains.
require_debian_packages() {
  local missing=()
  local entry binary package
  for entry in "$@"; do
    binary=${entry%%:*}
    package=${entry#*:}
    if ! command -v "$binary" >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/"$binary" >/dev/null 2>&1 \
       && ! ls /usr/bin/"$binary" >/dev/null 2>&1; then
      [[ " ${missing[*]} " == *" $package "* ]] || missing+=("$package")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Keep the packages' own services from starting: we run our own instances on our own ports.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
}

# require_python_module module package  installs the Debian package of a missing Python 3 module (deploy/ tests
# read YAML through PyYAML).
require_python_module() {
  python3 -c "import $1" >/dev/null 2>&1 && return 0
  require_debian_packages "__no_such_binary_$1:$2"
}

# The Debian packages start system-wide daemons on install on some machines; they would hold the default ports.
stop_packaged_daemons() {
  local daemon
  for daemon in prometheus prometheus-alertmanager prometheus-node-exporter; do
    if pgrep -x "$daemon" >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
      service "$daemon" stop >/dev/null 2>&1 || pkill -x "$daemon" || true
    fi
  done
}

# ONNX Runtime's StringNormalizer builds a C++ en_US.UTF-8 locale; generate it so those conformance cases run.
require_locale() {
  local wanted=$1
  locale -a 2>/dev/null | grep -qix "${wanted/UTF-8/utf8}" && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "Locale $wanted is missing (some ONNX conformance cases will be skipped): sudo locale-gen $wanted" >&2
    return 0
  fi
  command -v locale-gen >/dev/null 2>&1 || require_debian_packages locale-gen:locales
  sed -i "s/^# *\($wanted\)/\1/" /etc/locale.gen
  grep -q "^$wanted" /etc/locale.gen || echo "$wanted UTF-8" >> /etc/locale.gen
  locale-gen >/dev/null
}
