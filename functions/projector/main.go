// Command projector keeps the shop's read model from every event stream.
// "projector rebuild" deletes the read model and projects the whole event
// log again, then exits (run it with the projector function stopped).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/ordershop/functions/handlers/projector"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/readmodel"
	"github.com/ordershop/functions/internal/shop/shopfn"
	"github.com/ordershop/functions/runtime"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "rebuild" {
		if err := rebuild(); err != nil {
			fmt.Fprintln(os.Stderr, "projector rebuild:", err)
			os.Exit(1)
		}
		return
	}
	shopfn.Main(model.FunctionProjector)
}

func rebuild() error {
	cfg, err := runtime.LoadConfig()
	if err != nil {
		return err
	}
	rdb, err := runtime.NewRedisClient(cfg)
	if err != nil {
		return err
	}
	defer rdb.Close()
	n, err := readmodel.Rebuild(context.Background(), rdb, model.NewLog(rdb, cfg.Partitions), projector.New(readmodel.NewWriter(rdb)).Apply)
	if err != nil {
		return err
	}
	fmt.Printf("read model rebuilt from %d events\n", n)
	return nil
}
