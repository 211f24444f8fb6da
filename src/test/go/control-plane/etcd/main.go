// Command etcd starts etcd's own server: a thin main around etcdmain, because etcd's published
// server module carries replace directives that make `go install` of its commands refuse.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
