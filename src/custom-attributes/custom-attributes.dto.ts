import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import {
  CUSTOM_ATTRIBUTE_LIMITS,
  CUSTOM_ATTRIBUTE_TYPES,
  type CustomAttributeType,
} from './custom-attribute';

// Shape checks only; the naming and data rules live in custom-attribute.ts / the service, shared with the CLI.

export class ChangeUserAttributeDto {
  @ApiPropertyOptional({
    enum: CUSTOM_ATTRIBUTE_TYPES,
    description: 'Refused if stored values would not fit',
  })
  @IsOptional()
  @IsIn(CUSTOM_ATTRIBUTE_TYPES)
  type?: CustomAttributeType;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  multiValued?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Refused while any user has no value' })
  @IsOptional()
  @IsBoolean()
  required?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Whether filters compare strings case-sensitively' })
  @IsOptional()
  @IsBoolean()
  caseExact?: boolean;

  @ApiPropertyOptional({ type: [String], example: ['EMEA', 'APAC'], description: 'Advertised, not enforced' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CUSTOM_ATTRIBUTE_LIMITS.maxCanonicalValues)
  @IsString({ each: true })
  canonicalValues?: string[];

  @ApiPropertyOptional({ example: 'Cost centre the user is billed to' })
  @IsOptional()
  @IsString()
  @MaxLength(CUSTOM_ATTRIBUTE_LIMITS.maxDescriptionLength)
  description?: string;
}

export class DefineUserAttributeDto extends ChangeUserAttributeDto {
  @ApiProperty({
    example: 'costCenter',
    description: 'RFC 7643 attribute name: a letter, then letters, digits, - or _',
  })
  @IsString()
  @MaxLength(CUSTOM_ATTRIBUTE_LIMITS.maxNameLength)
  name!: string;

  @ApiProperty({ enum: CUSTOM_ATTRIBUTE_TYPES, example: 'string' })
  @IsIn(CUSTOM_ATTRIBUTE_TYPES)
  declare type: CustomAttributeType;
}

export class PurgeUserAttributeDto {
  @ApiProperty({
    example: 'costCenter',
    description: "The attribute's exact name, to confirm deleting its values",
  })
  @IsString()
  confirm!: string;
}
