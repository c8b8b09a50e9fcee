// Command billing requests payment for accepted orders and confirms
// recorded payments.
package main

import (
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/shopfn"
)

func main() { shopfn.Main(model.FunctionBilling) }
