// The bench's yardstick: a bare NestJS app (Express adapter, one GET route answering about 300 bytes of JSON, no
// logger; Nest's defaults and nothing else). Every ratio of `npm run bench` is against this route measured in the same run, so a service
// whose own plumbing gets slower cannot also get a slower yardstick (docs/PERFORMANCE.md). The bench transpiles this
// file and starts it with the service's node flags (bench/service.ts startYardstick); PORT and HOST as the service's.
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** A small SCIM-shaped document (300 bytes as JSON). */
const DOCUMENT = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '2819c223-7f76-453a-919d-413861904646',
  userName: 'bjensen@example.com',
  displayName: 'Barbara Jensen',
  active: true,
  meta: {
    resourceType: 'User',
    created: '2026-01-23T04:56:22Z',
    lastModified: '2026-01-23T04:56:22Z',
    version: 'W/"1"',
  },
};

/** GET /yardstick (bench/service.ts YARDSTICK_PATH). */
@Controller('yardstick')
class YardstickController {
  @Get()
  document() {
    return DOCUMENT;
  }
}

@Module({ controllers: [YardstickController] })
class YardstickModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(YardstickModule, { logger: false });
  await app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
  // A clean exit on the bench's SIGTERM, so that `--cpu-prof` writes its profile (bench/profile.ts).
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

void main();
