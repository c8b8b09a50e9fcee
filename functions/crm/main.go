// Command crm sends welcome, good-bye and thank-you mails.
package main

import (
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/shopfn"
)

func main() { shopfn.Main(model.FunctionCRM) }
