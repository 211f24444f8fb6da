/*
 * The pod sandbox's process (registry.k8s.io/pause, built here because no registry is reachable): it holds the
 * pod's namespaces, reaps the children that end up with it, and exits 0 on SIGINT or SIGTERM.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int signal_number) {
  (void) signal_number;
  _exit(0);
}

static void reap(int signal_number) {
  (void) signal_number;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction on_stop = {.sa_handler = stop};
  struct sigaction on_child = {.sa_handler = reap, .sa_flags = SA_NOCLDSTOP | SA_RESTART};
  sigaction(SIGINT, &on_stop, NULL);
  sigaction(SIGTERM, &on_stop, NULL);
  sigaction(SIGCHLD, &on_child, NULL);
  for (;;) {
    pause();
  }
}
