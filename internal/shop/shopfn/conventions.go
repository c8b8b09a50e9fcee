package shopfn

import (
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/ops"
)

// Names are the runtime names every shop process runs under: the shop's
// registry key and metric namespace (model.RegistryKey, model.Namespace),
// so the data model, the metrics, deploy/ and the dashboards keep the
// shop's names while the runtime's defaults carry none.
var Names = runtime.WithNames(model.RegistryKey, model.Namespace)

// Conventions are the names of the shop's event log for the operator
// tools (the CLI and /admin): streams events:<aggregate>, the entity in
// entity_id, the time in time, the cause in causation_id, and the shop's
// registry.
var Conventions = ops.Options{
	StreamPrefix: model.Stream(""), EntityField: model.FieldEntityID, TimeField: model.FieldTime,
	CausationField: model.FieldCausationID, RegistryKey: model.RegistryKey,
}
