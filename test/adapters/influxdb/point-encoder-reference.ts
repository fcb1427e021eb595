/**
 * Lines through @influxdata/influxdb-client's Point: the reference encoder. The adapter writes with the
 * hand-written line-writer.ts (Point took most of the adapter's CPU: see the README); the differential tests
 * and bench/micro/influx-encode.ts require both to give the same lines.
 */
import { Point } from '@influxdata/influxdb-client';
import { LineBuilder, type TagList } from '../../../src/adapters/influxdb/line.js';

export class PointLineBuilder extends LineBuilder {
  private point = new Point();

  protected startLine(measurement: string): void {
    this.point = new Point(measurement);
  }

  protected putBaseTags(tags: TagList): void {
    for (const [key, value] of tags) this.point.tag(key, value);
  }

  protected putTag(key: string, value: string): void {
    this.point.tag(key, value);
  }

  protected putFloat(key: string, value: number): void {
    this.point.floatField(key, value);
  }

  protected putInt(key: string, digits: string): void {
    // Point.fields holds encoded values; intField would round a bigint above 2^53 through a number.
    this.point.fields[key] = `${digits}i`;
  }

  protected putString(key: string, value: string): void {
    this.point.stringField(key, value);
  }

  protected putBool(key: string, value: boolean): void {
    this.point.booleanField(key, value);
  }

  protected finishLine(time: string): string | undefined {
    return this.point.timestamp(time).toLineProtocol();
  }

  protected abandonLine(): void {}
}
