export {
  bufferingSpanExporter,
  spanReplaySender,
  EXPORT_FAILED,
  EXPORT_SUCCESS,
  type BufferingSpanExporter,
  type BufferingSpanExporterOptions,
  type ExportResultLike,
  type SpanExporterLike,
} from './buffering-span-exporter.js';
export { SPAN_FORMAT, spansFromJson, spanToJson, type ReadableSpanLike } from './span-json.js';
