// Command inventory keeps the stock and accepts or rejects orders.
package main

import (
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/shopfn"
)

func main() { shopfn.Main(model.FunctionInventory) }
