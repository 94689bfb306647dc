# Sourced by Baton's scripts: points JAVA_HOME at a JDK of 21 or newer. The machine's default
# java may be older; a newer one is looked for in the usual JVM directories.
baton_java_ok() { [ -x "$1/bin/javac" ] && "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {exit !($2 >= 21)}'; }
if [ -z "${JAVA_HOME:-}" ] || ! baton_java_ok "$JAVA_HOME"; then
  JAVA_HOME=""
  for candidate in /usr/lib/jvm/temurin-*-jdk* /usr/lib/jvm/java-2[1-9]-* /usr/lib/jvm/jdk-2[1-9]* /opt/java/openjdk; do
    if baton_java_ok "$candidate"; then JAVA_HOME="$candidate"; break; fi
  done
  if [ -z "$JAVA_HOME" ]; then
    echo "Baton needs a JDK of version 21 or newer; none found in /usr/lib/jvm. Set JAVA_HOME." >&2
    return 1 2>/dev/null || exit 1
  fi
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
