import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One membership (SECURITY.md §8.2): a user (`userId`) or a nested group (`childGroupId`) of the same tenant,
 * each through its own composite foreign key; `memberId` and `memberType` are derived by the database (see the
 * CreateScimGroups migration).
 */
@Entity('scim_group_members')
export class ScimGroupMember {
  @PrimaryColumn('uuid')
  tenantId!: string;

  @PrimaryColumn('uuid')
  groupId!: string;

  @PrimaryColumn({
    type: 'uuid',
    generatedType: 'STORED',
    asExpression: 'COALESCE(user_id, child_group_id)',
    insert: false,
    update: false,
  })
  memberId!: string;

  @Column({ type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ type: 'uuid', nullable: true })
  childGroupId!: string | null;

  @Column({
    type: 'text',
    generatedType: 'STORED',
    asExpression: "CASE WHEN user_id IS NOT NULL THEN 'User' ELSE 'Group' END",
    insert: false,
    update: false,
  })
  memberType!: 'User' | 'Group';
}
